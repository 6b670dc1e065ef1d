import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_SERVE, mcpJsonServer, ROOT, SNAPSHOT_SERVE, type ServerCommand } from "../helpers/mcp-json.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";

// The optional start-up snapshot (dist/serve.blob) against `node dist/cli.js serve`: the same
// server, whichever way it starts, down to ssh2 and its native binding loaded on the first connection.

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ hosts: 2 });
});

afterAll(async () => {
  await lab?.stop();
});

async function start(how: ServerCommand, cwd = ROOT) {
  const transport = new StdioClientTransport({ ...how, cwd, env: { ...process.env, PICOCLAW_FLEET_CONFIG: lab.writeConfig() } as Record<string, string>, stderr: "pipe" });
  const client = new Client({ name: "snapshot-e2e", version: "0" });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

/** What a fleet_status row says about a host, without the figures that change from one probe to the next. */
function stable(row: any) {
  const { latency_ms, load, ...rest } = row;
  return { ...rest, latency: typeof latency_ms, load: Object.keys(load) };
}

/** Runs the snapshot with these arguments to its exit. */
function runSnapshot(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args: nodeArgs } = SNAPSHOT_SERVE;
  const child = spawn(command, [...nodeArgs.slice(0, nodeArgs.indexOf("serve")), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("the start-up snapshot and node dist/cli.js serve", () => {
  it("mcp.json starts the plain server, not the snapshot that only one Node.js loads", () => {
    expect(mcpJsonServer()).toEqual(CLI_SERVE);
  });

  it("report the same version, list the same tools and answer fleet_status on a lab host the same way, over ssh2's native binding", async () => {
    const servers = [await start(SNAPSHOT_SERVE), await start(CLI_SERVE)];
    try {
      const [snap, cli] = servers.map((s) => s.client);
      expect(snap!.getServerVersion()).toEqual({ name: "picoclaw-fleet", version: VERSION });
      expect(cli!.getServerVersion()).toEqual(snap!.getServerVersion());
      const tools = await snap!.listTools();
      expect(tools.tools.length).toBe(13);
      expect(await cli!.listTools()).toEqual(tools);
      const rows = await Promise.all(
        [snap!, cli!].map(async (c) => ((await c.callTool({ name: "fleet_status", arguments: { hosts: ["h01"] } })) as { structuredContent: any }).structuredContent.hosts.map(stable)),
      );
      expect(rows[0]).toEqual([expect.objectContaining({ name: "h01", reachable: true, transport: "ssh", latency: "number" })]);
      expect(rows[1]).toEqual(rows[0]);
      for (const { pid } of servers) expect(readFileSync(`/proc/${pid}/maps`, "utf8")).toContain("sshcrypto.node");
    } finally {
      await Promise.all(servers.map((s) => s.client.close()));
    }
  });

  it("finds its install from the blob's path, however node was given it and wherever it started", async () => {
    const blob = join(ROOT, "dist", "serve.blob");
    const s = await start({ command: "node", args: [`--snapshot-blob=${blob}`, "serve"] }, "/");
    try {
      expect(s.client.getServerVersion()?.version).toBe(VERSION);
      const res = (await s.client.callTool({ name: "fleet_status", arguments: { hosts: ["h02"] } })) as { structuredContent: any };
      expect(res.structuredContent.hosts[0]).toMatchObject({ name: "h02", reachable: true });
    } finally {
      await s.client.close();
    }
  });

  it("takes serve [--config PATH] and -h, like the CLI's serve, and refuses anything else with its usage", async () => {
    const help = await runSnapshot(["serve", "-h"]);
    expect(help).toMatchObject({ code: 0, stdout: "" });
    expect(help.stderr).toMatch(/^Usage: node --snapshot-blob dist\/serve.blob serve \[--config PATH\]/);
    for (const args of [["serve", "--json"], ["status"], [], ["serve", "--config"]]) {
      const r = await runSnapshot(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^picoclaw-fleet: .*\nUsage: node --snapshot-blob/);
    }
  });
});
