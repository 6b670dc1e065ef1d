import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mcpJsonServer, ROOT } from "../helpers/mcp-json.js";
import { waitFor } from "../lab/fault-kit.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";

// A request the stdio transport cannot take (past its 10 MiB buffer) closes the transport. The server
// must then end as on stdin's end, not stay up holding SSH connections and answering nothing; and no
// request the input schemas accept may come near that limit.

let lab: Lab;
const children: ChildProcessWithoutNullStreams[] = [];

/** The built server as mcp.json starts it, spoken to in raw JSON-RPC lines. */
function rawServer(configPath: string) {
  const { command, args } = mcpJsonServer();
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PICOCLAW_FLEET_CONFIG: configPath }, stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stdin.on("error", () => undefined); // the server may be gone while a large write drains
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const send = (msg: object) => child.stdin.write(`${JSON.stringify(msg)}\n`);
  /** The response to request `id`, once it is on stdout. */
  const response = async (id: number, timeoutMs = 15_000): Promise<any> => {
    let found: any;
    await waitFor(() => {
      found = out.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((m) => m.id === id);
      return found !== undefined;
    }, timeoutMs, 50);
    return found;
  };
  send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
  send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { child, send, response, exited };
}

const sessions = async () => (await Promise.all(lab.hosts.map((h) => lab.processes(h)))).flat().filter((p) => /sshd: .*notty|sshd-session/.test(p.cmd));

beforeAll(async () => {
  lab = await startLab({ hosts: 3 });
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

afterAll(async () => {
  await lab?.stop();
});

describe("fault: an oversized request", () => {
  it("arguments past the 1 MiB request budget are refused whole, naming it, and the server keeps serving", async () => {
    const s = rawServer(lab.writeConfig());
    expect(await s.response(1)).toBeDefined();
    // Ten tasks of 120 KiB: each within its own bound (128 KiB), 1.2 MB together.
    const tasks = Array.from({ length: 10 }, (_, i) => ({ host: lab.hosts[i % 3]!.name, task: `${i}`.padEnd(120 * 1024, "x") }));
    s.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "fanout", arguments: { tasks, wait_s: 0 } } });
    const refused = await s.response(2);
    const text = JSON.stringify(refused);
    expect(text).toMatch(/at most 1048576 bytes as JSON \(1 MiB\), got \d+: split the work/);
    s.send({ jsonrpc: "2.0", id: 3, method: "ping" });
    expect((await s.response(3)).result).toEqual({});
  });

  it("an 11 MiB line closes the transport, and the server then exits with every SSH connection closed", async () => {
    const s = rawServer(lab.writeConfig());
    s.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "fleet_status", arguments: {} } });
    expect((await s.response(2)).result.structuredContent.summary).toMatchObject({ total: 3, reachable: 3 });
    expect((await sessions()).length).toBeGreaterThan(0);
    const sent = Date.now();
    s.child.stdin.write(`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":"${"x".repeat(11 * 1024 * 1024)}"}}\n`);
    // stdin stays open: only the transport's own close can end the server.
    const code = await Promise.race([s.exited, new Promise((r) => setTimeout(() => r("still running"), 8000))]);
    expect(code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(await waitFor(async () => (await sessions()).length === 0, 3000, 100)).toBe(true);
  });
});
