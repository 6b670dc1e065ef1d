import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { mcpJsonServer, ROOT } from "../helpers/mcp-json.js";
import { startReleaseServer, type ReleaseServer } from "./release-server.js";
import { startLab, type Lab, type LabHost, type LabOptions } from "./sshd-lab.js";

/** Helpers the fault suite (test/faults) shares: a lab with PicoClaw deployable, the built server, and the after-checks. */

/** The env var the fault configs name as `defaults.api_key_env`; its value is a fake key. */
export const FAULT_KEY_ENV = "PCF_FAULT_KEY";

export interface FaultFleet {
  lab: Lab;
  rel: ReleaseServer;
  /** Writes a config for the lab (release server and key wired in), `overrides` merged on top; returns its path. */
  configPath(overrides?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

/** A lab and a release server, wired so that dispatch can deploy the stand-in PicoClaw. */
export async function startFaultFleet(options: LabOptions): Promise<FaultFleet> {
  process.env[FAULT_KEY_ENV] = "sk-fault-suite-0000";
  const lab = await startLab(options);
  let rel: ReleaseServer;
  try {
    rel = await startReleaseServer();
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return {
    lab,
    rel,
    configPath: (overrides = {}) => lab.writeConfig(merge({ release: { api_url: rel.apiUrl }, defaults: { api_key_env: FAULT_KEY_ENV } }, overrides)),
    stop: async () => {
      await rel.stop();
      await lab.stop();
    },
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `over` merged onto `base`, objects key by key (as writeConfig merges its overrides). */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(out[k]) && isObject(v) ? merge(out[k] as Json, v) : v;
  return out;
}

/** An in-memory server and client around the config at `path`. */
export function harness(path: string): Promise<Harness> {
  return connect(depsFor(JSON.parse(readFileSync(path, "utf8")), path));
}

/** A fault fleet of `hosts` lab hosts, a harness on its config, and PicoClaw deployed to every host. */
export async function deployedFleet(hosts: number): Promise<{ fleet: FaultFleet; h: Harness }> {
  const fleet = await startFaultFleet({ hosts });
  const h = await harness(fleet.configPath());
  await deployAll(h, fleet.lab.hosts.map((x) => x.name));
  return { fleet, h };
}

/** Deploys PicoClaw to `hosts` through `h`; throws with the first error. */
export async function deployAll(h: Harness, hosts: string[]): Promise<void> {
  const results = await Promise.all(hosts.map((host) => h.call("deploy_host", { host })));
  const bad = results.findIndex((r) => r.isError);
  if (bad >= 0) throw new Error(`deploy ${hosts[bad]} failed: ${JSON.stringify(results[bad]!.content)}`);
}

/** PicoClaw (the stand-in) and what it starts (`sleep`, `yes`, `timeout`) among a host's processes. */
export async function picoclawProcesses(lab: Lab, hosts: LabHost[]): Promise<{ host: string; pid: number; cmd: string }[]> {
  const all = await Promise.all(hosts.map(async (host) => (await lab.processes(host)).map((p) => ({ host: host.name, ...p }))));
  return all.flat().filter((p) => /picoclaw|^sleep \d|^yes |^timeout \d/.test(p.cmd) && !/^sshd/.test(p.cmd));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until no PicoClaw process is left on `hosts` (a kill takes a moment to land), and returns what is left. */
export async function orphansAfter(lab: Lab, hosts: LabHost[], timeoutMs = 8000): Promise<{ host: string; pid: number; cmd: string }[]> {
  let left: { host: string; pid: number; cmd: string }[] = [];
  await waitFor(async () => (left = await picoclawProcesses(lab, hosts)).length === 0, timeoutMs, 250);
  return left;
}

/** The task directory of `taskId` on `host`, as root sees it. */
export function taskDir(host: LabHost, taskId: string): string {
  return join(host.home, ".picoclaw-fleet", "tasks", taskId);
}

/** One line of the local task journal. */
export type JournalLine = { op: "start"; record: { task_id: string; host: string; status: string } } | { op: "finish"; result: { task_id: string; status: string } };

/** The journal file's lines, parsed (a torn last line is reported as an error). */
export function readJournal(path: string): JournalLine[] {
  const text = readFileSync(path, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JournalLine);
}

/** The built server as mcp.json starts it (the start-up snapshot), spawned as a client would, with an SDK client on its stdio. */
export interface SpawnedServer {
  client: Client;
  transport: StdioClientTransport;
  pid: number;
  stderr(): string;
  call(name: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<CallToolResult & { structuredContent?: any }>;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string | null>;
}

export async function spawnServer(configPath: string): Promise<SpawnedServer> {
  const { command, args } = mcpJsonServer();
  const transport = new StdioClientTransport({
    command,
    args,
    cwd: ROOT,
    env: { ...process.env, PICOCLAW_FLEET_CONFIG: configPath, PICOCLAW_FLEET_LOG: "info" } as Record<string, string>,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const client = new Client({ name: "faults", version: "0" });
  await client.connect(transport);
  const pid = transport.pid!;
  const exited = new Promise<number | string | null>((resolve) => {
    const poll = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(poll);
        resolve(null);
      }
    }, 25);
  });
  return {
    client,
    transport,
    pid,
    stderr: () => stderr,
    call: (name, args = {}, timeoutMs = 120_000) =>
      client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs }) as Promise<CallToolResult & { structuredContent?: any }>,
    exited,
  };
}
