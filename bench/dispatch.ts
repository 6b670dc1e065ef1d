import { sshOnce } from "./baselines.js";
import { sequentialWork, type TaskSettings } from "./floor.js";
import { median, note, since, spawnServer } from "./helpers.js";
import type { BenchLab } from "./setup.js";

/** Every run of the sequential-dispatch comparison. */
export interface DispatchResult {
  calls: number;
  /** Wall time of all calls, per run: one `ssh` process per call. */
  ssh: number[];
  /** Wall time of all calls, per run: `dispatch_task` on a fresh server process (its first call opens the connection). */
  server: number[];
  /** Median single `dispatch_task` after the first, per run. */
  serverWarmCall: number[];
  /** Wall time of the bare PicoClaw command run `calls` times in a row on the host's account, no SSH (the floor), per run. */
  bare: number[];
  /** The same for this server's runner script (its clean-up included), per run. */
  runner: number[];
  /** Calls whose reply was not the task, over every run and both sides (0 when all were right). */
  wrong: number;
}

/** `calls` dispatches of a short task to one host, one after the other: the server against one ssh per call. */
export async function benchDispatch(bl: BenchLab, calls: number, runs: number, tasks: TaskSettings): Promise<DispatchResult> {
  const host = bl.hosts[0]!;
  const result: DispatchResult = { calls, ssh: [], server: [], serverWarmCall: [], bare: [], runner: [], wrong: 0 };
  for (let run = 1; run <= runs; run++) {
    let start = performance.now();
    for (let i = 0; i < calls; i++) {
      if ((await sshOnce(bl, host, `seq-r${run}-c${i}`)).ok !== 1) result.wrong++;
    }
    result.ssh.push(since(start));
    const server = await spawnServer(bl.freshConfig(), bl.env);
    try {
      const each: number[] = [];
      start = performance.now();
      for (let i = 0; i < calls; i++) {
        const task = `seq-r${run}-c${i}`;
        const t = performance.now();
        const res = await server.call("dispatch_task", { host: host.name, task, timeout_s: 30 });
        each.push(since(t));
        const row = res.structuredContent as { status?: string; reply?: string } | undefined;
        if (row?.status !== "succeeded" || row.reply !== task) result.wrong++;
      }
      result.server.push(since(start));
      result.serverWarmCall.push(median(each.slice(1)));
    } finally {
      await server.close();
    }
    for (const side of ["bare", "runner"] as const) {
      const floor = await sequentialWork(bl, host, calls, side === "runner", tasks);
      if (floor.ok !== calls) result.wrong += calls - floor.ok;
      result[side].push(floor.ms);
    }
    note(`dispatch x${calls} run ${run}/${runs}: ssh ${Math.round(result.ssh.at(-1)!)} ms, server ${Math.round(result.server.at(-1)!)} ms`);
  }
  return result;
}
