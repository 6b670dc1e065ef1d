import { groupResults } from "../results/group.js";
import type { HostResult } from "../tasks/host-result.js";
import type { JournalLine } from "./journal-tail.js";
import { summarise, type FleetRun } from "./run-types.js";

/** Starts of the same task within this long of the run's last one belong to that run (one fan-out). */
const SAME_RUN_MS = 3000;

/** Runs remembered; older ones are forgotten (the journal still has them, task_list shows them). */
const KEEP_RUNS = 50;

type StartRecord = Extract<JournalLine, { op: "start" }>["record"];

interface Run {
  id: string;
  task: string;
  started: number;
  last: number;
  /** task_id -> its row: running until the journal says how it ended. */
  rows: Map<string, HostResult>;
}

/**
 * Tasks from the journal gathered into runs: a fan-out's tasks by their `fanout_id` when the journal
 * has one, else by being the same task started within moments of each other (a fan-out starts all its
 * hosts' tasks at once); a lone `dispatch` is a run of one. Each run comes out as the `fanout` tool's
 * result shape (rows, groups, summary), so the page draws it with the same component.
 */
export class RunBook {
  private readonly runs = new Map<string, Run>();
  private readonly byTask = new Map<string, Run>();
  private open: Run | undefined;

  /** Folds journal lines in; returns the ids of the runs they changed. */
  apply(lines: readonly JournalLine[]): Set<string> {
    const changed = new Set<string>();
    for (const line of lines) {
      const run = line.op === "start" ? this.start(line.record) : this.byTask.get(line.op === "launch" ? line.task_id : line.result.task_id);
      if (!run) continue;
      if (line.op === "finish" && run.rows.has(line.result.task_id)) run.rows.set(line.result.task_id, line.result);
      changed.add(run.id);
    }
    return changed;
  }

  /** The run as the page shows it; undefined for an unknown id. */
  view(id: string, now = Date.now()): FleetRun | undefined {
    const run = this.runs.get(id);
    if (!run) return undefined;
    const results = [...run.rows.values()];
    const ended = results.every((r) => r.status !== "running");
    const took = ended ? Math.max(0, ...results.map((r) => r.duration_ms)) : now - run.started;
    return { id, task: run.task, started_at: new Date(run.started).toISOString(), results, groups: groupResults(results), summary: summarise(results, took) };
  }

  /** The newest `count` run ids, newest first. */
  latest(count: number): string[] {
    return [...this.runs.values()].sort((a, b) => b.started - a.started).slice(0, count).map((r) => r.id);
  }

  private start(record: StartRecord): Run {
    const at = Date.parse(record.started_at);
    const known = this.byTask.get(record.task_id);
    if (known) return known; // a start carried over by a rotation
    const key = record.fanout_id;
    let run = key ? this.runs.get(key) : this.open && this.open.task === record.task && at - this.open.last <= SAME_RUN_MS ? this.open : undefined;
    if (!run) {
      run = { id: key ?? record.task_id, task: record.task, started: at, last: at, rows: new Map() };
      this.runs.set(run.id, run);
      this.forgetOld();
    }
    run.last = Math.max(run.last, at);
    run.rows.set(record.task_id, record.result ?? running(record));
    this.byTask.set(record.task_id, run);
    if (!key) this.open = run;
    return run;
  }

  private forgetOld(): void {
    const keep = new Set(this.latest(KEEP_RUNS));
    for (const [id, run] of this.runs) {
      if (keep.has(id)) continue;
      this.runs.delete(id);
      for (const taskId of run.rows.keys()) this.byTask.delete(taskId);
    }
  }
}

/** The row of a task the journal has not seen end: running (or still queued in its fan-out). */
function running(record: StartRecord): HostResult {
  return { host: record.host, task_id: record.task_id, status: "running", exit_code: null, reply: "", stdout: "", stderr: "", truncated: false, duration_ms: 0 };
}
