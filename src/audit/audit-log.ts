import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readSync, statSync, unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { expandHome } from "../config/paths.js";
import { appendLines, rotateIfLarger, sizeOf } from "../tasks/jsonl-file.js";

/** One host's outcome as the audit trail keeps it. */
export interface AuditHost {
  host: string;
  status: string;
  task_id?: string;
}

/** What a door records about one call. */
export interface AuditEntry {
  /** The tool, or `cli <verb>` for the command line. */
  tool: string;
  /** The MCP client's name and version from `initialize` (the CLI names itself). */
  client: { name: string; version: string } | null;
  /** The arguments, secrets scrubbed and long strings cut (their sha256 kept). */
  args: unknown;
  /** ok; error (the call failed as a whole); refused (policy or the person said no, nothing ran); plan; completed (a fan-out's background batches ended). */
  outcome: "ok" | "error" | "refused" | "plan" | "completed";
  error?: string;
  hosts: AuditHost[];
  fanout_id?: string;
}

/** A line of the audit file: the entry, its place in the chain, and the hashes that chain it. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  /** sha256 of the record before (across a rotation too); 64 zeros for the very first. */
  prev: string;
  /** sha256 of this line's JSON without `hash`. */
  hash: string;
}

export const GENESIS = "0".repeat(64);

/** sha256 (hex) of a record's JSON without its `hash`, keys in the order written. */
export function recordHash(record: Omit<AuditRecord, "hash">): string {
  return createHash("sha256").update(JSON.stringify(record)).digest("hex");
}

/** The last complete line of `file`, read from its end (the file may be large); undefined when empty or absent. */
function lastLine(file: string): string | undefined {
  const size = sizeOf(file);
  if (size === 0) return undefined;
  const fd = openSync(file, "r");
  try {
    let chunk = 64 * 1024;
    for (;;) {
      const from = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      const lines = buf.toString("utf8").split("\n").filter((l) => l.trim());
      if (lines.length > 1 || from === 0) return lines.at(-1);
      chunk *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** Holds `<file>.lock` while `fn` runs, so the server and a CLI beside it never fork the chain; a lock older than 10 s is stale. */
async function withLock<T>(file: string, fn: () => T): Promise<T> {
  const lock = `${file}.lock`;
  // The first record of a new machine: the state directory may not exist yet.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (let tries = 0; ; tries++) {
    try {
      await (await open(lock, "wx", 0o600)).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || tries > 1000) throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10_000) unlinkSync(lock);
      } catch {
        // released meanwhile
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    return fn();
  } finally {
    unlinkSync(lock);
  }
}

/**
 * The audit trail (issue 14): one JSON line per host-touching call, appended 0600, each carrying
 * the sha256 of the line before, so an edited, removed or reordered line breaks the chain
 * (`picoclaw-fleet audit verify`). Bounded like the task journal: past `maxBytes` the file moves to
 * `.1` and the next record continues the chain from the last hash of the old file.
 */
export class AuditLog {
  readonly file: string;

  constructor(
    path: string,
    private readonly maxBytes: number,
  ) {
    this.file = expandHome(path);
  }

  /** Where the audit file goes when `audit.path` is not set: beside the task journal. */
  static besideJournal(taskJournal: string): string {
    return join(dirname(expandHome(taskJournal)), "audit.jsonl");
  }

  /** Appends one record, chained to the last one written by any process. */
  append(entry: AuditEntry): Promise<void> {
    return withLock(this.file, () => {
      const last = lastLine(this.file) ?? lastLine(`${this.file}.1`);
      const before = last ? (JSON.parse(last) as AuditRecord) : undefined;
      const body = { seq: (before?.seq ?? 0) + 1, time: new Date().toISOString(), ...entry, prev: before?.hash ?? GENESIS };
      appendLines(this.file, `${JSON.stringify({ ...body, hash: recordHash(body) })}\n`);
      rotateIfLarger(this.file, this.maxBytes);
    });
  }
}
