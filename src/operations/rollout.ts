import PQueue from "p-queue";
import { FAILED_STATUSES, NotLaunched, type HostResult } from "../tasks/host-result.js";

/** A count, or a percentage of the selected hosts written `"10%"`. */
export type CountOrPercent = number | string;

/** The brakes of a fan-out (issue 14); every one is off when absent. */
export interface Brakes {
  /** Hosts per batch, a count or `"N%"` of the selected hosts; default every host in one batch. */
  batch?: CountOrPercent | undefined;
  /** Failed, timed-out and unreachable hosts tolerated (count or `"N%"`); one more and no further batch starts. */
  max_failures?: CountOrPercent | undefined;
  /** Hosts run alone first; the rest start only when every one of them succeeded. */
  canary?: number | undefined;
}

/** The batches a rollout runs (indices into its jobs), in order, and its failure budget. */
export interface RolloutPlan {
  batches: number[][];
  /** Failures tolerated; null: no budget. */
  maxFailures: number | null;
  /** How many hosts the first batch holds as canaries (0: none). */
  canary: number;
}

/** A started job, whatever its payload (a PicoClaw task, a shell command): its id now, its row later. */
export interface Launched {
  taskId: string;
  result: Promise<HostResult>;
  cancel(): Promise<void>;
}

/** Wraps a job's launch: waits for its batch, then for a free slot; throws NotLaunched when its batch never starts. */
export type Gate = <T>(launch: () => Promise<T>) => Promise<T>;

/** A rollout under way: every job already has its id; `done` settles once the last batch ended or was skipped. */
export interface Rollout {
  jobs: Launched[];
  plan: RolloutPlan;
  /** Whether the batch of job `i` has begun. */
  begun(i: number): boolean;
  /** The 0-based batch of job `i`. */
  batchOf(i: number): number;
  done: Promise<void>;
}

/** `"25%"` of `total` (rounded as `round`), or the count itself. */
function resolveCount(value: CountOrPercent, total: number, round: (n: number) => number): number {
  if (typeof value === "number") return value;
  const pct = /^(\d{1,3})%$/.exec(value);
  if (!pct || Number(pct[1]) < 1 || Number(pct[1]) > 100) throw new Error(`Expected a count or a percentage such as "10%", got ${JSON.stringify(value)}`);
  return round((total * Number(pct[1])) / 100);
}

/**
 * The batches for `total` hosts: the canaries alone first, then the rest in batches of `batch`
 * (a percentage is of all selected hosts, rounded up, at least 1). The budget's percentage is
 * rounded down: `"10%"` of 15 hosts tolerates 1 failure.
 */
export function planRollout(total: number, brakes: Brakes): RolloutPlan {
  const canary = Math.min(brakes.canary ?? 0, total);
  const size = brakes.batch === undefined ? total : Math.max(1, resolveCount(brakes.batch, total, Math.ceil));
  const indices = Array.from({ length: total }, (_, i) => i);
  const batches = canary ? [indices.slice(0, canary)] : [];
  for (let i = canary; i < total; i += size) batches.push(indices.slice(i, i + size));
  const maxFailures = brakes.max_failures === undefined ? null : resolveCount(brakes.max_failures, total, Math.floor);
  return { batches, maxFailures, canary };
}

/** Why no further batch may start after `rows` (the batch just ended), or undefined to go on. */
function brakeReason(plan: RolloutPlan, batch: number, rows: HostResult[], failures: number): string | undefined {
  if (batch === 0 && plan.canary > 0) {
    const bad = rows.filter((r) => r.status !== "succeeded");
    if (bad.length) return `not started: canary ${bad.map((r) => `${r.host} ${r.status}`).join(", ")}; the rest start only when every canary succeeded`;
  }
  if (plan.maxFailures !== null && failures > plan.maxFailures) {
    return `not started: ${failures} hosts failed, timed out or were unreachable by batch ${batch + 1} of ${plan.batches.length}, past max_failures ${plan.maxFailures}; no further batch started`;
  }
  return undefined;
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * The one scheduler behind `fanout` (and `run_command`): starts `count` jobs through `start`,
 * payload-agnostic, each handed a gate to launch through. Batches run one after another, each
 * bounded by `concurrency`; after each, the canary rule and the failure budget decide whether the
 * next may begin; once they say no, every job not begun ends `skipped` (NotLaunched) with the
 * reason, having touched no host. It goes on in the background after the caller stops waiting;
 * cancelling a job whose batch has not begun ends every job not begun `cancelled`, no host asked.
 */
export function rollout(count: number, plan: RolloutPlan, concurrency: number, start: (i: number, gate: Gate) => Launched, onBatch?: (batch: number, of: number) => void): Rollout {
  const queue = new PQueue({ concurrency });
  const gates = plan.batches.map(() => deferred<NotLaunched | null>());
  const batchOf: number[] = [];
  plan.batches.forEach((b, k) => b.forEach((i) => (batchOf[i] = k)));
  const begun = new Set<number>();
  let stop: NotLaunched | undefined;
  const halt = (why: NotLaunched) => {
    stop ??= why;
    gates.forEach((g, k) => !begun.has(k) && g.resolve(stop!));
  };
  const jobs = Array.from({ length: count }, (_, i): Launched => {
    const gate: Gate = async <T>(launch: () => Promise<T>): Promise<T> => {
      const refused = await gates[batchOf[i]!]!.promise;
      if (refused) throw refused;
      return queue.add(launch) as Promise<T>;
    };
    const job = start(i, gate);
    return {
      ...job,
      cancel: () => (begun.has(batchOf[i]!) ? job.cancel() : Promise.resolve(halt(new NotLaunched("cancelled", "cancelled before its batch began; nothing ran on this host")))),
    };
  });
  const done = (async () => {
    let failures = 0;
    for (let k = 0; k < plan.batches.length && !stop; k++) {
      begun.add(k);
      onBatch?.(k, plan.batches.length);
      gates[k]!.resolve(null);
      const rows = await Promise.all(plan.batches[k]!.map((i) => jobs[i]!.result));
      failures += rows.filter((r) => FAILED_STATUSES.includes(r.status)).length;
      const why = brakeReason(plan, k, rows, failures);
      if (why) halt(new NotLaunched("skipped", why));
    }
  })();
  return { jobs, plan, begun: (i) => begun.has(batchOf[i]!), batchOf: (i) => batchOf[i]!, done };
}
