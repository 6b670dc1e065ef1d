import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import PQueue from "p-queue";
import type { Client } from "ssh2";
import { parseConfig } from "../src/config/load.js";
import { expandHome } from "../src/config/paths.js";
import { Fleet } from "../src/fleet/fleet.js";
import { connectSsh } from "../src/fleet/ssh-connect.js";
import { createLogger } from "../src/log.js";
import { startLab, type Lab } from "../test/lab/sshd-lab.js";
import { busyShare, machineCpuMs, note, processCpuMs, runTimed, since, spawnServer, type ServerProcess } from "./helpers.js";
import { hostCosts, type HostCosts } from "./host-costs.js";
import { labSshOptions } from "./setup.js";

/** The remote work every side runs: one short command whose answer is known in advance. */
export const COMMAND = "uname -m";

/** Hosts worked on at once by every side: parallel-ssh's -p, the server's default concurrency, the bare execs. */
const AT_ONCE = 32;

/** Tasks run on one host's account to take each way's CPU cost per task. */
export const COST_RUNS = 100;

/** One side's run: wall time, hosts that answered right, CPU of the whole machine and of the server alone. */
export interface CommandSample {
  ms: number;
  ok: number;
  machineCpuMs: number;
  serverCpuMs?: number;
}

/** Every run of every side at one width. */
export interface CommandWidth {
  n: number;
  /** `run_command` through the built server, its connections opened by a first call. */
  server: CommandSample[];
  /** The remote work alone: one ssh2 exec of the bare command per host on connections already open. */
  bare: CommandSample[];
  /** parallel-ssh -p 32 running the command. */
  pssh: CommandSample[];
}

/** The whole comparison, with the machine's load around it. */
export interface CommandFanoutResult {
  date: string;
  totalS: number;
  cores: number;
  /** Share of all cores busy in the 3 s before the lab started and after it stopped. */
  busyBefore: number;
  busyAfter: number;
  /** 1-minute load average when the measuring started, and at the end of each run. */
  loadStart: number;
  load1: number[];
  widths: CommandWidth[];
  /** CPU per task on a lab host's account: the bare command, the runner, the command lane. */
  costs: HostCosts;
  failures: string[];
}

/** Open ssh2 connections to lab hosts, as the server's pool makes them (same code, same algorithms, same host-key check). */
async function openConnections(configPath: string, names: string[]): Promise<Map<string, Client>> {
  const config = parseConfig(JSON.parse(readFileSync(configPath, "utf8")), configPath);
  const fleet = new Fleet(config, createLogger({ level: "warn" }));
  const { ssh } = config;
  const settings = { knownHosts: expandHome(ssh.known_hosts), hostKeyPolicy: ssh.host_key_policy, connectTimeoutMs: ssh.connect_timeout_s * 1000, keepaliveMs: 0 };
  const queue = new PQueue({ concurrency: AT_ONCE });
  const clients = await Promise.all(names.map((n) => queue.add(() => connectSsh(fleet.target(fleet.host(n)), settings, createLogger({ level: "warn" })))));
  return new Map(names.map((n, i) => [n, clients[i]!]));
}

/** One exec of `command` on an open connection: its stdout once the channel closed. */
function execOnce(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      stream.on("data", (c: Buffer) => out.push(c));
      stream.stderr.resume();
      stream.on("close", () => resolve(Buffer.concat(out).toString()));
    });
  });
}

async function timed(work: () => Promise<number>, pid?: number): Promise<CommandSample> {
  const cpu = machineCpuMs();
  const own = pid === undefined ? 0 : processCpuMs(pid);
  const start = performance.now();
  const ok = await work();
  const ms = since(start);
  return { ms, ok, machineCpuMs: machineCpuMs() - cpu, ...(pid === undefined ? {} : { serverCpuMs: processCpuMs(pid) - own }) };
}

/** `run_command` on `names`: rows that succeeded with the expected stdout. */
async function serverRun(server: ServerProcess, names: string[], expected: string): Promise<number> {
  const res = await server.call("run_command", { command: COMMAND, hosts: names, timeout_s: 60, output: "full" });
  const rows = (res.structuredContent?.results ?? []) as { status: string; reply: string }[];
  return rows.filter((r) => r.status === "succeeded" && r.reply.trim() === expected.trim()).length;
}

/** The bare command on each of `names` over its open connection, AT_ONCE at a time. */
async function bareRun(clients: Map<string, Client>, names: string[], expected: string): Promise<number> {
  const queue = new PQueue({ concurrency: AT_ONCE });
  const outs = await Promise.all(names.map((n) => queue.add(() => execOnce(clients.get(n)!, COMMAND))));
  return outs.filter((o) => o === expected).length;
}

/** parallel-ssh -p 32 running the command on the first `n` lab hosts: hosts whose output file holds the answer. */
async function psshRun(lab: Lab, n: number, expected: string): Promise<number> {
  const dir = mkdtempSync(join(lab.dir, "pssh-"));
  const hosts = join(lab.dir, `pssh-hosts-${n}`);
  execFileSync("sh", ["-c", `cat > "$1"`, "w", hosts], { input: lab.hosts.slice(0, n).map((h) => `${h.user}@${h.host}:${h.port}\n`).join("") });
  const res = await runTimed("parallel-ssh", ["-p", String(AT_ONCE), "-t", "120", "-h", hosts, "-o", dir, ...labSshOptions(lab).flatMap((o) => ["-X", o]), COMMAND]);
  const ok = res.code === 0 ? readdirSync(dir).filter((f) => readFileSync(join(dir, f), "utf8") === expected).length : 0;
  rmSync(dir, { recursive: true, force: true });
  return ok;
}

/**
 * run_command without a model (issue 13, item 4): a short command to each width of lab hosts, warm
 * (the server's first call opened the connections; the bare side's connections are open too), side by
 * side per run in rotating order with the remote work alone over open ssh2 connections and with
 * parallel-ssh. Every side's every host is checked for the command's answer.
 */
export async function benchCommandFanout(sizes: number[], runs: number): Promise<CommandFanoutResult> {
  const hosts = Math.max(...sizes);
  const t0 = performance.now();
  const date = new Date().toISOString();
  const busyBefore = await busyShare(3000, cpus().length);
  const lab = await startLab({ hosts, hostsPerSshd: 16 });
  const expected = execFileSync("uname", ["-m"], { encoding: "utf8" });
  const names = lab.hosts.map((h) => h.name);
  const r: CommandFanoutResult = {
    ...{ date, totalS: NaN, cores: cpus().length, busyBefore, busyAfter: NaN, loadStart: loadavg()[0]!, load1: [], costs: { bareMs: NaN, runnerMs: NaN, laneMs: NaN }, failures: [] },
    widths: sizes.map((n) => ({ n, server: [], bare: [], pssh: [] })),
  };
  let server: ServerProcess | undefined;
  let clients = new Map<string, Client>();
  try {
    const config = lab.writeConfig({ defaults: { wait_s: 55 }, tasks: { journal: join(lab.dir, "journal.jsonl") } });
    server = await spawnServer(config);
    const live = server;
    const warm = await serverRun(live, names, expected); // opens every connection: the runs below are warm
    if (warm !== hosts) r.failures.push(`warm-up run_command: ${warm} of ${hosts} hosts answered`);
    clients = await openConnections(config, names);
    r.loadStart = loadavg()[0]!;
    for (let run = 1; run <= runs; run++) {
      for (const w of r.widths) {
        const some = names.slice(0, w.n);
        const sides = {
          server: () => timed(() => serverRun(live, some, expected), live.pid),
          bare: () => timed(() => bareRun(clients, some, expected)),
          pssh: () => timed(() => psshRun(lab, w.n, expected)),
        };
        const order = (["server", "bare", "pssh"] as const).map((_, i, all) => all[(i + run) % all.length]!);
        for (const side of order) {
          const sample = await sides[side]();
          w[side].push(sample);
          if (sample.ok !== w.n) r.failures.push(`N=${w.n} run ${run} ${side}: ${sample.ok} of ${w.n} hosts answered ${JSON.stringify(expected)}`);
        }
        note(`run_command N=${w.n} run ${run}/${runs}: ${(["server", "bare", "pssh"] as const).map((s) => `${s} ${Math.round(w[s].at(-1)!.ms)}`).join(", ")} ms`);
      }
      r.load1.push(loadavg()[0]!);
    }
    r.costs = await hostCosts(lab.hosts[0]!, COST_RUNS);
  } finally {
    for (const c of clients.values()) c.end();
    await server?.close();
    await lab.stop();
  }
  r.busyAfter = await busyShare(3000, cpus().length);
  r.totalS = (performance.now() - t0) / 1000;
  return r;
}
