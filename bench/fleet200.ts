import { machine } from "node:os";
import { archFromUname } from "../src/picoclaw/assets.js";
import { note, peakRssMib, since, spawnServer, type ServerProcess } from "./helpers.js";
import { serverFanout } from "./fanout.js";
import type { BenchLab } from "./setup.js";

/** Every run of the whole-fleet measurements, and what their correctness checks found. */
export interface FleetResult {
  hosts: number;
  statusCold: number[];
  statusWarm: number[];
  /** Peak RSS (VmHWM) of a server process that ran two fleet_status calls, MiB. */
  statusRssMib: number[];
  fanoutCold: number[];
  fanoutWarm: number[];
  /** Peak RSS of a server process that ran two whole-fleet fan-outs, MiB. */
  fanoutRssMib: number[];
  /** One line per failed check (empty when every row of every call was right). */
  failures: string[];
}

type Row = { name: string; reachable: boolean; arch: string | null; picoclaw: { installed: boolean; version: string | null } };

/** Times one fleet_status call and checks it: every host a row, reachable, the right arch, PicoClaw installed. */
async function status(server: ServerProcess, bl: BenchLab, version: string, failures: string[], label: string): Promise<number> {
  const arch = archFromUname(machine());
  const start = performance.now();
  const res = await server.call("fleet_status", {});
  const ms = since(start);
  const rows = (res.structuredContent?.hosts ?? []) as Row[];
  const names = new Set(bl.hosts.map((h) => h.name));
  const good = rows.filter((r) => names.delete(r.name) && r.reachable && r.arch === arch && r.picoclaw.installed && r.picoclaw.version === version);
  if (rows.length !== bl.hosts.length || good.length !== bl.hosts.length) {
    failures.push(`${label}: ${rows.length} rows, ${good.length} of ${bl.hosts.length} reachable with arch ${arch} and PicoClaw ${version}`);
  }
  return ms;
}

/** One whole-fleet fan-out, checked: every host `succeeded`, every reply equal to the task. */
async function fanout(server: ServerProcess, bl: BenchLab, task: string, failures: string[], label: string): Promise<number> {
  const sample = await serverFanout(server, bl.hosts.map((h) => h.name), task);
  if (sample.ok !== bl.hosts.length) failures.push(`${label}: ${sample.ok} of ${bl.hosts.length} succeeded with the reply "${task}"`);
  return sample.ms;
}

/**
 * The whole lab fleet through the real server process: fleet_status (cold, then warm) in one
 * process, a fan-out of a short task (cold, then warm) in another, each process's peak RSS read
 * from /proc/<pid>/status before it is closed, each result checked row by row.
 */
export async function benchFleet(bl: BenchLab, runs: number, version: string): Promise<FleetResult> {
  const r: FleetResult = { hosts: bl.hosts.length, statusCold: [], statusWarm: [], statusRssMib: [], fanoutCold: [], fanoutWarm: [], fanoutRssMib: [], failures: [] };
  for (let run = 1; run <= runs; run++) {
    let server = await spawnServer(bl.freshConfig(), bl.env);
    try {
      r.statusCold.push(await status(server, bl, version, r.failures, `run ${run} fleet_status cold`));
      r.statusWarm.push(await status(server, bl, version, r.failures, `run ${run} fleet_status warm`));
      r.statusRssMib.push(peakRssMib(server.pid));
    } finally {
      await server.close();
    }
    server = await spawnServer(bl.freshConfig(), bl.env);
    try {
      r.fanoutCold.push(await fanout(server, bl, `all-r${run}-cold`, r.failures, `run ${run} fanout cold`));
      r.fanoutWarm.push(await fanout(server, bl, `all-r${run}-warm`, r.failures, `run ${run} fanout warm`));
      r.fanoutRssMib.push(peakRssMib(server.pid));
    } finally {
      await server.close();
    }
    const f = (xs: number[]) => Math.round(xs.at(-1)!);
    note(`fleet of ${r.hosts} run ${run}/${runs}: status ${f(r.statusCold)}/${f(r.statusWarm)} ms, ${f(r.statusRssMib)} MiB; fanout ${f(r.fanoutCold)}/${f(r.fanoutWarm)} ms, ${f(r.fanoutRssMib)} MiB`);
  }
  return r;
}
