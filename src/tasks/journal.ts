import { renameSync } from "node:fs";
import { expandHome } from "../config/paths.js";
import { errorResult, type HostResult, type TaskStatus } from "./host-result.js";
import { appendLines, fitResult, linesOf, readAt, sizeOf, type LineAt } from "./jsonl-file.js";

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
  /** `command` for run_command (shell code); absent for a PicoClaw task. */
  kind?: "command";
}

type Line = { op: "start"; record: TaskRecord } | { op: "launch"; task_id: string } | { op: "finish"; result: HostResult; log?: string };

/** Where a final task's finish line lies: the file's generation (the current file's, or the one before) and its bytes. */
interface Spot {
  gen: number;
  offset: number;
  length: number;
}

/** What memory holds of a task: the record without its result, and where the result is on disk. */
interface Entry {
  record: TaskRecord;
  finished?: Spot;
}

/**
 * The small local journal that lets `task_status`, `task_logs`, `task_list` and `task_kill` find
 * tasks after a restart of this server: one JSON line per event, appended with O_APPEND (a line
 * is written whole or not at all, so a SIGKILL leaves it consistent), folded on load. Mode 0600:
 * tasks may say things about the user's machines.
 *
 * Bounded on disk: before a line would take the file past `maxBytes` it is renamed to `<file>.1`
 * (replacing the one before) and a new file starts with the tasks not yet final, so a restart
 * still finds every task that may be running; one result line is cut to fit a quarter of
 * `maxBytes`. Both files together: at most twice `maxBytes`. Bounded in memory: a final task's
 * result stays on disk and is read back by `get`, and tasks whose lines have gone with the old
 * `<file>.1` are forgotten here as they would be after a restart. Every append opens the file by
 * name, so another process (the CLI beside the server) writing at the moment of the rename lands
 * its line whole in one of the two files, both of which are read.
 */
export class TaskJournal {
  private entries: Map<string, Entry> | undefined;
  private readonly file: string;
  /** The current file's generation; `<file>.1` holds the one before. */
  private gen = 1;
  /** The current file's size as of this process's last write (or the load). */
  private size = 0;
  private appendsSinceRotation = 0;

  constructor(
    path: string,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {
    this.file = expandHome(path);
  }

  /** Records a task that is about to be launched. */
  start(record: TaskRecord): void {
    this.load().set(record.task_id, { record: { ...record } });
    this.append({ op: "start", record });
  }

  /** Records that the task is about to be launched on its host (it left the queue). */
  launch(taskId: string): void {
    const entry = this.load().get(taskId);
    if (!entry || entry.record.launched || entry.finished) return;
    entry.record.launched = true;
    this.append({ op: "launch", task_id: taskId });
  }

  /** Records a final result (ignored for a task already final: the first outcome wins). */
  finish(result: HostResult, log?: string): void {
    const entry = this.load().get(result.task_id);
    if (entry?.finished) return;
    const fitted = log ? { log: log.slice(-Math.floor(this.maxBytes / 16)) } : {};
    const spot = this.append({ op: "finish", result: fitResult(result, Math.floor(this.maxBytes / 4)), ...fitted });
    if (entry) {
      entry.record.status = result.status;
      entry.finished = spot;
    }
  }

  /** The task's record, with its result read back from the journal once it is final. */
  get(taskId: string): TaskRecord | undefined {
    const entry = this.load().get(taskId);
    if (!entry) return undefined;
    return entry.finished ? { ...entry.record, ...this.resultOf(entry.record, entry.finished) } : { ...entry.record };
  }

  /** Every task, newest first (without results: `get` reads one). */
  list(): TaskRecord[] {
    return [...this.load().values()].map((e) => e.record).sort((a, b) => b.started_at.localeCompare(a.started_at));
  }

  private append(line: Line): Spot {
    const text = `${JSON.stringify(line)}\n`;
    const bytes = Buffer.byteLength(text, "utf8");
    if (this.size + bytes > this.maxBytes && this.appendsSinceRotation > 0) this.rotate();
    const { offset, size } = appendLines(this.file, text);
    this.size = size;
    this.appendsSinceRotation++;
    return { gen: this.gen, offset, length: bytes - 1 };
  }

  /**
   * Starts a new file, carrying over the tasks not yet final; the old `<file>.1` goes, and with it
   * what memory knew of the tasks whose results were there.
   */
  private rotate(): void {
    renameSync(this.file, `${this.file}.1`);
    this.gen++;
    const entries = this.load();
    for (const [id, e] of entries) if (e.finished && e.finished.gen < this.gen - 1) entries.delete(id);
    const open = [...entries.values()].filter((e) => !e.finished).map((e) => e.record);
    const lines = open.flatMap((record): Line[] => [{ op: "start", record }, ...(record.launched ? [{ op: "launch" as const, task_id: record.task_id }] : [])]);
    this.size = lines.length ? appendLines(this.file, lines.map((l) => `${JSON.stringify(l)}\n`).join("")).size : 0;
    this.appendsSinceRotation = 0;
  }

  /** A final task's result (and PicoClaw's log), read at its spot; a line moved or gone is looked for, then reported. */
  private resultOf(record: TaskRecord, spot: Spot): { result: HostResult; log?: string } {
    const file = spot.gen === this.gen ? this.file : `${this.file}.1`;
    const parse = (text: string | undefined): { result: HostResult; log?: string } | undefined => {
      try {
        const line = text === undefined ? undefined : (JSON.parse(text) as Line);
        return line?.op === "finish" && line.result.task_id === record.task_id ? { result: line.result, ...(line.log ? { log: line.log } : {}) } : undefined;
      } catch {
        return undefined;
      }
    };
    const found = parse(readAt(file, spot.offset, spot.length)) ??
      [`${this.file}.1`, this.file].flatMap((f) => linesOf(f)).map((l) => parse(l.text)).find((r) => r !== undefined);
    return found ?? { result: errorResult(record.host, record.task_id, record.status, `its result is no longer in the journal ${this.file}`) };
  }

  private load(): Map<string, Entry> {
    if (this.entries) return this.entries;
    const entries = new Map<string, Entry>();
    this.entries = entries;
    fold(entries, linesOf(`${this.file}.1`), this.gen - 1);
    fold(entries, linesOf(this.file), this.gen);
    this.size = sizeOf(this.file);
    if (this.size > this.maxBytes) this.rotate();
    return entries;
  }
}

/**
 * Folds a journal file's lines into `entries`, a later line updating what an earlier one said. A
 * final result is never undone: a start line carried into a new file after a rotation, for a task
 * another process finished meanwhile, does not make it running again.
 */
function fold(entries: Map<string, Entry>, lines: LineAt[], gen: number): void {
  for (const { text, offset, length } of lines) {
    if (!text.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      continue; // a torn last line from a crash: everything before it still counts
    }
    if (line.op === "start") {
      if (!entries.get(line.record.task_id)?.finished) entries.set(line.record.task_id, { record: line.record });
    } else if (line.op === "launch") {
      const entry = entries.get(line.task_id);
      if (entry) entry.record.launched = true;
    } else {
      const entry = entries.get(line.result.task_id);
      if (entry && !entry.finished) {
        entry.record.status = line.result.status;
        entry.finished = { gen, offset, length };
      }
    }
  }
}
