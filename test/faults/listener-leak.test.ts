import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/mcp-json.js";
import { spawnServer, startFaultFleet, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// Node warns on stderr (the person's terminal, under an MCP client) when more than 10 listeners wait
// on one event: a listener added per call and never removed. Many calls at once must not do that.

let fleet: FaultFleet;
const servers: SpawnedServer[] = [];

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 20, hostsPerSshd: 10 });
});

afterAll(async () => {
  for (const s of servers) {
    try {
      process.kill(s.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await fleet?.stop();
});

describe("fault: many calls at once", () => {
  it("50 concurrent calls and a 20-host deploy emit no MaxListenersExceededWarning", async () => {
    const s = await spawnServer(fleet.configPath());
    servers.push(s);
    const hosts = fleet.lab.hosts.map((h) => h.name);
    // The CLI deploys all 20 under one signal, as a person would.
    const cli = spawn("node", ["dist/cli.js", "deploy", ...hosts, "--config", fleet.configPath()], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let cliErr = "";
    cli.stderr.on("data", (c: Buffer) => (cliErr += c.toString()));
    expect(await new Promise((r) => cli.on("exit", r)), cliErr).toBe(0);
    expect(cliErr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
    // Large answers: the client reads slower than the server writes, so stdout pushes back.
    const calls = Array.from({ length: 50 }, (_, i) =>
      i % 2 ? s.call("fleet_status", { hosts: [hosts[i % hosts.length]!] }) : s.call("dispatch_task", { host: hosts[i % hosts.length], task: "lines 15000", wait_s: 30 }),
    );
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.isError).map((r) => JSON.stringify(r.content))).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.stderr()).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  }, 180_000);
});
