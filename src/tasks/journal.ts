import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { expandHome } from "../config/paths.js";
import type { HostResult, TaskStatus } from "./host-result.js";

/** What the journal knows of one task. */
export interface TaskRecord {
  task_id: string;
  host: string;
  task: string;
  started_at: string;
  timeout_s: number;
  status: TaskStatus;
  /** Tear PicoClaw down from the host once the result is in. */
  teardown: boolean;
  /**
   * Whether the launch on the host was attempted: false while the task waits in a fan-out's queue;
   * undefined in journals written before this was recorded.
   */
  launched?: boolean;
  result?: HostResult;
  /** The tail of PicoClaw's own log file, for task_logs once the task directory is gone. */
  log?: string;
}

type Line = { op: "start"; record: TaskRecord } | { op: "launch"; task_id: string } | { op: "finish"; result: HostResult; log?: string };

/** Appends between two looks at the journal's size. */
const SIZE_CHECK_EVERY = 64;

/**
 * The small local journal that lets `task_status`, `task_logs`, `task_list` and `task_kill` find
 * tasks after a restart of this server: one JSON line per event, appended with O_APPEND (a line
 * is written whole or not at all, so a SIGKILL leaves it consistent), folded on load. Mode 0600:
 * tasks may say things about the user's machines.
 *
 * Bounded: once the file passes `maxBytes` it is renamed to `<file>.1` (replacing the one before)
 * and a new file starts with the tasks not yet final, so a restart still finds every task that may
 * be running. Both files are read on load: at most twice `maxBytes`. Every append opens the file by
 * name, so another process (the CLI beside the server) writing at the moment of the rename lands
 * its line whole in one of the two files, both of which are read.
 */
export class TaskJournal {
  private records: Map<string, TaskRecord> | undefined;
  private readonly file: string;
  private appends = 0;

  constructor(
    path: string,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {
    this.file = expandHome(path);
  }

  /** Records a task that is about to be launched. */
  start(record: TaskRecord): void {
    this.load().set(record.task_id, record);
    this.append({ op: "start", record });
  }

  /** Records that the task is about to be launched on its host (it left the queue). */
  launch(taskId: string): void {
    const record = this.load().get(taskId);
    if (!record || record.launched || record.result) return;
    record.launched = true;
    this.append({ op: "launch", task_id: taskId });
  }

  /** Records a final result (ignored for a task already final: the first outcome wins). */
  finish(result: HostResult, log?: string): void {
    const record = this.load().get(result.task_id);
    if (record?.result) return;
    if (record) Object.assign(record, { status: result.status, result, ...(log ? { log } : {}) });
    this.append({ op: "finish", result, ...(log ? { log } : {}) });
  }

  get(taskId: string): TaskRecord | undefined {
    return this.load().get(taskId);
  }

  /** Every task, newest first. */
  list(): TaskRecord[] {
    return [...this.load().values()].sort((a, b) => b.started_at.localeCompare(a.started_at));
  }

  private append(line: Line): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    if (++this.appends % SIZE_CHECK_EVERY === 0) this.rotateIfLarge();
  }

  /** Starts a new file once this one passed maxBytes, carrying over the tasks not yet final. */
  private rotateIfLarge(): void {
    if (sizeOf(this.file) <= this.maxBytes) return;
    renameSync(this.file, `${this.file}.1`);
    const open = [...this.load().values()].filter((r) => !r.result);
    const lines = open.flatMap((record): Line[] => [{ op: "start", record }, ...(record.launched ? [{ op: "launch" as const, task_id: record.task_id }] : [])]);
    if (lines.length) appendFileSync(this.file, lines.map((l) => `${JSON.stringify(l)}\n`).join(""), { mode: 0o600 });
    // Tasks final before the rotation are still in <file>.1; this process keeps them in memory too.
  }

  private load(): Map<string, TaskRecord> {
    if (this.records) return this.records;
    const records = new Map<string, TaskRecord>();
    this.records = records;
    for (const file of [`${this.file}.1`, this.file]) fold(records, readText(file));
    this.rotateIfLarge();
    return records;
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return "";
  }
}

/**
 * Folds a journal file's lines into `records`, a later line updating what an earlier one said. A
 * final result is never undone: a start line carried into a new file after a rotation, for a task
 * another process finished meanwhile, does not make it running again.
 */
function fold(records: Map<string, TaskRecord>, text: string): void {
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a torn last line from a crash: everything before it still counts
    }
    if (line.op === "start") {
      if (!records.get(line.record.task_id)?.result) records.set(line.record.task_id, line.record);
    } else if (line.op === "launch") {
      const record = records.get(line.task_id);
      if (record) record.launched = true;
    } else {
      const record = records.get(line.result.task_id);
      if (record && !record.result) Object.assign(record, { status: line.result.status, result: line.result, ...(line.log ? { log: line.log } : {}) });
    }
  }
}
