import { psshFanout, skillFanout, type BaselineRun } from "./baselines.js";
import { bareWork, runnerWork, type TaskSettings } from "./floor.js";
import { machineCpuMs, note, processCpuMs, since, spawnServer, type ServerProcess } from "./helpers.js";
import type { BenchLab } from "./setup.js";

/** The sides of the fan-out comparison, in the order they are shown. */
export const FANOUT_SIDES = ["skill", "pssh", "cold", "warm", "bare", "runner"] as const;
export type FanoutSide = (typeof FANOUT_SIDES)[number];

/** One side's run: wall time, hosts that answered right, CPU the whole machine spent, CPU of this server alone. */
export interface Sample {
  ms: number;
  ok: number;
  machineCpuMs: number;
  serverCpuMs?: number;
}

/** Every run of every side at one fan-out width. */
export interface FanoutResult {
  n: number;
  samples: Record<FanoutSide, Sample[]>;
}

async function measured(work: () => Promise<BaselineRun>): Promise<Sample> {
  const cpu = machineCpuMs();
  const run = await work();
  return { ms: run.ms, ok: run.ok, machineCpuMs: machineCpuMs() - cpu };
}

/** One `fanout` tool call on the server process: wall time seen by the client, rows whose reply is the task. */
export async function serverFanout(server: ServerProcess, hosts: string[], task: string): Promise<Sample> {
  const cpu = machineCpuMs();
  const own = processCpuMs(server.pid);
  const start = performance.now();
  const res = await server.call("fanout", { task, hosts, timeout_s: 60 });
  const ms = since(start);
  const rows = (res.structuredContent?.results ?? []) as { status: string; reply: string }[];
  const ok = rows.filter((r) => r.status === "succeeded" && r.reply === task).length;
  return { ms, ok, machineCpuMs: machineCpuMs() - cpu, serverCpuMs: processCpuMs(server.pid) - own };
}

/**
 * The fan-out comparison: for each width and each run, every side in turn on the same hosts with the
 * same remote work (the stand-in's `picoclaw agent -m <word>`), so load drifts hit all sides alike.
 * cold: a fresh server process (spawned and initialized before the clock starts), its first call;
 * warm: the second call on the same process, over the connections the first one opened.
 */
export async function benchFanout(bl: BenchLab, sizes: number[], runs: number, tasks: TaskSettings): Promise<FanoutResult[]> {
  const results: FanoutResult[] = sizes.map((n) => ({ n, samples: { skill: [], pssh: [], cold: [], warm: [], bare: [], runner: [] } }));
  for (let run = 1; run <= runs; run++) {
    for (const result of results) {
      const { n, samples } = result;
      const task = `hello-n${n}-r${run}`;
      const names = bl.hosts.slice(0, n).map((h) => h.name);
      samples.skill.push(await measured(() => skillFanout(bl, n, task)));
      samples.pssh.push(await measured(() => psshFanout(bl, n, task)));
      const server = await spawnServer(bl.freshConfig(), bl.env);
      try {
        samples.cold.push(await serverFanout(server, names, `${task}-cold`));
        samples.warm.push(await serverFanout(server, names, `${task}-warm`));
      } finally {
        await server.close();
      }
      samples.bare.push(await measured(() => bareWork(bl, n, task)));
      samples.runner.push(await measured(() => runnerWork(bl, n, task, tasks)));
      const last = FANOUT_SIDES.map((s) => `${s} ${Math.round(samples[s].at(-1)!.ms)}`).join(", ");
      note(`fan-out N=${n} run ${run}/${runs}: ${last} ms`);
    }
  }
  return results;
}
