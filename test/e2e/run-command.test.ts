import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orphansAfter, spawnServer, startFaultFleet, taskDir, waitFor, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// run_command through the built stdio server: shell code on five lab hosts and on `local` (this
// machine, no SSH), with no PicoClaw deployed and no API key anywhere.
let fleet: FaultFleet;
let configPath: string;
let server: SpawnedServer;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 5 });
  configPath = fleet.configPath();
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  config.hosts.push({ name: "local", transport: "local" });
  delete config.defaults.api_key_env;
  writeFileSync(configPath, JSON.stringify(config));
  server = await spawnServer(configPath);
}, 120_000);

afterAll(async () => {
  await server?.transport.close();
  await fleet?.stop();
});

const text = (res: { content?: unknown }) => (res.content as { text: string }[])[0]!.text;

describe("run_command", () => {
  it("runs on five lab hosts and local, and groups the same answer once", async () => {
    const res = await server.call("run_command", { command: "uname -m" });
    expect(res.isError, text(res)).toBeFalsy();
    expect(res.structuredContent.summary).toMatchObject({ total: 6, succeeded: 6 });
    expect(res.structuredContent.groups).toEqual([
      expect.objectContaining({ status: "succeeded", reply: "x86_64", count: 6, hosts_compact: "h[01-05],local" }),
    ]);
    expect(text(res)).toMatch(/^run_command f-[0-9a-z-]+: 6 hosts in [\d.]+ s: 6 succeeded; 1 distinct outcome\nsucceeded h\[01-05\],local \(6\): x86_64\n/);
  });

  it("gives each host its own group when their output differs, the shell's own $HOME in each", async () => {
    const res = await server.call("run_command", { command: 'uname -m; echo "$HOME"', hosts: ["h01", "h02", "local"], output: "full" });
    const rows = Object.fromEntries(res.structuredContent.results.map((r: any) => [r.host, r]));
    expect(rows.h01.reply).toBe(`x86_64\n${fleet.lab.hosts[0]!.home}`);
    expect(rows.h02.reply).toBe(`x86_64\n${fleet.lab.hosts[1]!.home}`);
    expect(rows.local.reply).toBe(`x86_64\n${process.env.HOME}`);
    expect(res.structuredContent.groups).toHaveLength(3);
  });

  it("kills the command and its background job at timeout_s 3 within 6 s, leaving no process", async () => {
    const started = Date.now();
    const res = await server.call("run_command", { command: "sleep 300 & sleep 300", hosts: ["h03"], timeout_s: 3 });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(res.structuredContent.results[0]).toMatchObject({ host: "h03", status: "timed_out" });
    expect(res.structuredContent.results[0].error).toMatch(/^The command timed out on h03/);
    expect(await orphansAfter(fleet.lab, [fleet.lab.hosts[2]!], 3000)).toEqual([]);
  });

  it("reports a failing command with its exit code and stderr", async () => {
    const res = await server.call("run_command", { command: "echo nope >&2; exit 3", host: "h04" });
    expect(res.structuredContent.results[0]).toMatchObject({ status: "failed", exit_code: 3, error: "The command exited with code 3 on h04: nope" });
  });

  it("loses nothing when the server is killed mid-command: a new server finds it and its result", async () => {
    const res = await server.call("run_command", { command: "sleep 3; echo finished", hosts: ["h05"], wait_s: 0 });
    const id = res.structuredContent.results[0].task_id;
    expect(res.structuredContent.results[0].status).toBe("running");
    // Mid-command: it runs on its host (its pid is written) when the server dies.
    expect(await waitFor(() => existsSync(`${taskDir(fleet.lab.hosts[4]!, id)}/pid`), 5000)).toBe(true);
    process.kill(server.pid, "SIGKILL");
    await server.exited;
    server = await spawnServer(configPath);
    let status: any;
    const deadline = Date.now() + 15_000;
    do {
      await new Promise((r) => setTimeout(r, 500));
      status = (await server.call("task_status", { task_id: id })).structuredContent;
    } while (status.status === "running" && Date.now() < deadline);
    expect(status, status.error).toMatchObject({ task_id: id, host: "h05", status: "succeeded", reply: "finished" });
  });
});
