import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { expandHome } from "../config/paths.js";
import { appendLines, readLines, rotateIfLarger } from "./jsonl-file.js";

/** What a fan-out (or a dispatch) was asked to do, journaled when it starts: enough for a `retry`. */
export interface FanoutRecord {
  fanout_id: string;
  started_at: string;
  /** The tool (or CLI verb) that started it. */
  tool: string;
  /** The one task every host got; absent when each host had its own (`jobs[].task`). */
  task?: string;
  /** Each host with its task id: the task journal holds each task's outcome, background batches included. */
  jobs: { host: string; task_id: string; task?: string }[];
  /** The run options and brakes it was given (timeout_s, teardown, batch, …), which a retry reuses. */
  options: Record<string, unknown>;
  /** The fan-out this one retried. */
  retry_of?: string;
}

/** Fan-out ids are `f-<time base36>-<random hex>`, like task ids. */
const FANOUT_ID = /^f-[a-z0-9]{6,12}-[a-f0-9]{8}$/;

/** A new fan-out id. */
export function newFanoutId(): string {
  return `f-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * The fan-out journal, beside the task journal (`fanouts.jsonl`): one line per fan-out, written as
 * it starts. Outcomes are not repeated here: each row's task id leads to the task journal, which
 * records every task's end, also for batches that ran after the call returned. Bounded like the
 * task journal: past `maxBytes` the file moves to `.1` (replacing the one before); both are read.
 */
export class FanoutJournal {
  readonly file: string;

  constructor(
    taskJournal: string,
    private readonly maxBytes: number,
  ) {
    this.file = join(dirname(expandHome(taskJournal)), "fanouts.jsonl");
  }

  /** Records a fan-out as it starts. */
  record(record: FanoutRecord): void {
    appendLines(this.file, `${JSON.stringify(record)}\n`);
    rotateIfLarger(this.file, this.maxBytes);
  }

  /** The fan-out `id`, or an error saying where to find one. */
  get(id: string): FanoutRecord {
    if (!FANOUT_ID.test(id)) throw new Error(`Expected a fanout_id like f-xxxxxxxx-xxxxxxxx (from a fanout or dispatch_task result), got ${JSON.stringify(id.slice(0, 80))}`);
    const found = readLines<FanoutRecord>(this.file).find((r) => r.fanout_id === id);
    if (!found) throw new Error(`Unknown fanout ${id}: not in ${this.file} (it keeps the latest fan-outs only); start a new fanout instead`);
    return found;
  }
}
