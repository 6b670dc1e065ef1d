import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { expandHome } from "../config/paths.js";
import type { HostResult } from "../tasks/host-result.js";
import type { TaskRecord } from "../tasks/journal.js";
import { parseLines } from "../tasks/jsonl-file.js";

/** A line of the task journal (src/tasks/journal.ts), as every process appends them. */
export type JournalLine = { op: "start"; record: TaskRecord & { fanout_id?: string } } | { op: "launch"; task_id: string } | { op: "finish"; result: HostResult };

/** Most bytes read from the journal in one look: a cold start on a full journal reads its tail only. */
const READ_MAX = 4 * 1024 * 1024;

/**
 * Follows the task journal the way `tail -F` does: every process that runs tasks (this one, the MCP
 * server, a `picoclaw-fleet fanout` in a terminal) appends whole lines to the same file, so reading
 * what was added since the last look is the cross-process feed of tasks. A file that got shorter or
 * was replaced (the journal's rotation) is read again from its start; a torn last line waits for
 * the rest of it.
 */
export class JournalTail {
  private readonly file: string;
  private offset = 0;
  private inode = -1;
  private partial = "";

  constructor(path: string) {
    this.file = expandHome(path);
  }

  /** The lines appended since the last call (all of them, up to READ_MAX from the end, the first time). */
  read(): JournalLine[] {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch {
      return []; // no task has been started yet
    }
    try {
      const { size, ino } = fstatSync(fd);
      if (ino !== this.inode || size < this.offset) [this.inode, this.offset, this.partial] = [ino, Math.max(0, size - READ_MAX), ""];
      if (size === this.offset) return [];
      const buf = Buffer.alloc(Math.min(size - this.offset, READ_MAX));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString("utf8");
      const cut = text.lastIndexOf("\n");
      this.partial = text.slice(cut + 1);
      return parseLines<JournalLine>(text.slice(0, cut + 1));
    } finally {
      closeSync(fd);
    }
  }

  /** Whether the file changed since the last read (a cheap stat, for polling). */
  changed(): boolean {
    try {
      const { size, ino } = statSync(this.file);
      return ino !== this.inode || size !== this.offset;
    } catch {
      return false;
    }
  }
}
