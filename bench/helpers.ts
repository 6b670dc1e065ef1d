import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Stream } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { mcpJsonServer, type ServerCommand } from "../test/helpers/mcp-json.js";

/** The repository root (bench/ lives right under it). */
export const ROOT = join(import.meta.dirname, "..");

/** Progress for the person running the bench: stderr only, so stdout stays clean. */
export function note(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds since `start` (a `performance.now()` value). */
export function since(start: number): number {
  return performance.now() - start;
}

/** What a finished child process left behind. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program (no shell on our side) to its end and times it from spawn to exit. */
export function runTimed(file: string, args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: since(start) }));
  });
}

/** Peak resident set (VmHWM) of a live process, in MiB, from /proc/<pid>/status. */
export function peakRssMib(pid: number): number {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** The built server as a child process, driven by the SDK's stdio Client. */
export interface ServerProcess {
  pid: number;
  /** Milliseconds from spawn to the answer of `initialize`. */
  initializeMs: number;
  /** Calls a tool; with `onprogress`, the request asks for progress notifications. */
  call(name: string, args: Record<string, unknown>, onprogress?: (progress: Progress) => void): Promise<CallToolResult & { structuredContent?: any }>;
  close(): Promise<void>;
}

/** Passes on the server's stderr lines that are not pino JSON below warn (pino's warn is level 40). */
function forwardWarnings(stream: Stream): void {
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      let level = 100;
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 100;
      } catch {
        // not a log line: pass it on
      }
      if (level >= 40) process.stderr.write(`[server] ${line}\n`);
    }
  });
}

/** `how` as the command line it is, for the report: `node --snapshot-blob dist/serve.blob serve`. */
export function commandLine(how: ServerCommand): string {
  return [how.command, ...how.args].join(" ");
}

/**
 * Spawns the real built server with the given config and env (default log level, as a client
 * would run it), and completes the MCP handshake. `how` is mcp.json's command (the start-up
 * snapshot) unless given, run from the repository root; its `node` is the node running the bench,
 * the one the bare-node figures are taken with.
 */
export async function spawnServer(configPath: string, env: Record<string, string> = {}, how: ServerCommand = mcpJsonServer()): Promise<ServerProcess> {
  const transport = new StdioClientTransport({
    command: how.command === "node" ? process.execPath : how.command,
    args: [...how.args, "--config", configPath],
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: "pipe",
  });
  const stderr = transport.stderr;
  if (stderr) forwardWarnings(stderr);
  const client = new Client({ name: "bench", version: "0" });
  const start = performance.now();
  await client.connect(transport);
  const initializeMs = since(start);
  const pid = transport.pid;
  if (pid === null) throw new Error("the server process has no pid");
  return {
    pid,
    initializeMs,
    call: (name, args, onprogress) =>
      client.callTool({ name, arguments: args }, undefined, { timeout: 300_000, maxTotalTimeout: 300_000, ...(onprogress ? { onprogress } : {}) }) as Promise<
        CallToolResult & { structuredContent?: any }
      >,
    close: () => client.close(),
  };
}

/** CPU milliseconds (user + system) a live process has used so far, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of the stat line, 12 and 13 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Busy CPU milliseconds of the whole machine so far (every core, everything but idle and iowait). */
export function machineCpuMs(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = cpu.reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!;
  return (busy * 1000) / CLOCK_TICKS;
}

/** Share of all cores (0-1) busy over `ms` of waiting: how much else is running on the machine. */
export async function busyShare(ms: number, cores: number): Promise<number> {
  const before = machineCpuMs();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (machineCpuMs() - before) / (ms * cores);
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
