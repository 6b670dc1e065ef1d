import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mcpJsonServer, ROOT } from "../helpers/mcp-json.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";

const mcp = mcpJsonServer();

/** Spawns the built server exactly as mcp.json says, with a tap on its raw stdout. */
async function spawnServer(env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: mcp.command, args: mcp.args, cwd: ROOT, env: { ...process.env, ...env } as Record<string, string>, stderr: "pipe" });
  const log = { stderr: "" };
  transport.stderr?.on("data", (c: Buffer) => (log.stderr += c.toString()));
  const client = new Client({ name: "e2e", version: "0" });
  await client.connect(transport);
  return { client, transport, log };
}

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ hosts: 5, refusing: true, silent: true });
});

afterAll(async () => {
  await lab?.stop();
});

describe("the built stdio server, spawned from mcp.json", () => {
  it("serves fleet_status for lab hosts, and closing stdin ends it within 2 s with no SSH connection left", async () => {
    const { client, transport } = await spawnServer({ PICOCLAW_FLEET_CONFIG: lab.writeConfig() });
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    const started = Date.now();
    const res = (await client.callTool({ name: "fleet_status", arguments: {} })) as { structuredContent: any };
    expect(Date.now() - started).toBeLessThan(3000 + 1000);
    expect(res.structuredContent.summary).toMatchObject({ total: 7, reachable: 5 });
    expect(res.structuredContent.hosts.find((r: any) => r.name === "silent").error).toMatch(/^connect_timeout/);
    const sessions = async () => (await Promise.all(lab.hosts.map((h) => lab.processes(h)))).flat().filter((p) => /sshd: .*notty|sshd-session/.test(p.cmd));
    expect((await sessions()).length).toBeGreaterThan(0);
    const pid = transport.pid!;
    const closing = Date.now();
    await transport.close();
    while (isAlive(pid) && Date.now() - closing < 5000) await new Promise((r) => setTimeout(r, 25));
    expect(isAlive(pid)).toBe(false);
    expect(Date.now() - closing).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await sessions()).toEqual([]);
  });

  it("writes nothing but JSON-RPC on stdout", async () => {
    const child = spawn(mcp.command, mcp.args, { cwd: ROOT, env: { ...process.env, PICOCLAW_FLEET_CONFIG: lab.writeConfig() }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const send = (msg: object) => child.stdin.write(`${JSON.stringify(msg)}\n`);
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "fleet_status", arguments: { hosts: ["h01", "refusing"] } } });
    send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "fleet_status", arguments: { hosts: ["nope"] } } });
    const deadline = Date.now() + 10_000;
    while (out.split("\n").filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.stdin.end();
    await new Promise((r) => child.on("exit", r));
    const lines = out.split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe("2.0");
  });

  it("with no config file: writes the template, says where, and reports the local host reachable", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "pcf-e2e-")), "sub", "fleet.json");
    const { client, log } = await spawnServer({ PICOCLAW_FLEET_CONFIG: path });
    const res = (await client.callTool({ name: "fleet_status", arguments: {} })) as { structuredContent: any };
    expect(res.structuredContent.hosts).toHaveLength(1);
    expect(res.structuredContent.hosts[0]).toMatchObject({ name: "local", reachable: true, host: "localhost" });
    expect(JSON.parse(readFileSync(path, "utf8")).hosts).toEqual([{ name: "local", transport: "local" }]);
    expect(log.stderr).toMatch(/no config found: wrote a template/);
    expect(log.stderr).toContain(path);
    await client.close();
  });

  it("stops at start on a broken config, one line per problem naming its JSON path", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "pcf-e2e-")), "fleet.json");
    writeFileSync(path, JSON.stringify({ hosts: [{ name: "a" }, { name: "b" }, { name: "c", port: "22" }], defaults: { timeout_s: 0 } }));
    const child = spawn(mcp.command, [...mcp.args, "--config", path], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toBe(`Invalid config ${path}:`);
    expect(lines.slice(1).map((l) => l.trim().split(":")[0])).toEqual(["hosts[2].port", "defaults.timeout_s"]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
