import type { HostTransport } from "../fleet/types.js";
import { logsCommand, sinceCommand, type LogStream } from "./control-scripts.js";
import type { TaskRecord } from "./journal.js";
import { taskLogLines } from "./log-lines.js";

/** Bytes one task_logs page with `since` brings back at most. */
const PAGE_BYTES = 64 * 1024;

/** One page of a task's stream from a byte offset: the new whole lines, and where the next page starts. */
export interface LogPage {
  stream: LogStream;
  lines: string[];
  /** Pass it as `since` next time: only what came after is returned. */
  next_since: number;
  /** The task ended and every byte of the stream up to `next_since` was returned. */
  complete: boolean;
}

/** The stream `since` pages through: a command's stdout; a PicoClaw task's own log, its progress. */
export function defaultStream(record: TaskRecord): LogStream {
  return record.kind === "command" ? "out" : "log";
}

/**
 * The text from `since` up to PAGE_BYTES, cut after its last whole line unless the stream ended
 * there: a line is never returned half, and never twice.
 */
function page(stream: LogStream, bytes: Buffer, since: number, ended: boolean, atEnd: boolean): LogPage {
  let take = bytes.length;
  if (!(ended && atEnd)) {
    const nl = bytes.lastIndexOf(0x0a);
    take = nl < 0 ? (bytes.length >= PAGE_BYTES ? bytes.length : 0) : nl + 1;
  }
  const text = bytes.subarray(0, take).toString("utf8");
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  return { stream, lines, next_since: since + take, complete: ended && atEnd && take === bytes.length };
}

/** A page read on the host, or null when the task directory is gone (the journal has the rest). */
export async function pageFromHost(t: HostTransport, record: TaskRecord, stream: LogStream, since: number, timeoutMs: number): Promise<LogPage | null> {
  const res = await t.exec(sinceCommand(record.task_id, stream, since, PAGE_BYTES), { timeoutMs, maxOutputBytes: PAGE_BYTES + 4096 });
  if (res.failure) throw new Error(`Cannot read the output of ${record.task_id} on ${record.host}: ${res.failure.message}`);
  if (res.stdout.includes("\u001epcf gone\n")) return null;
  const head = /\u001epcf size (\d+) ended ([01])\n/.exec(res.stdout);
  if (!head) throw new Error(`Cannot read the output of ${record.task_id} on ${record.host}: the host's answer was cut short; try again`);
  // Offsets count bytes; output arrives decoded as UTF-8, whole up to the last line a page returns.
  const body = Buffer.from(res.stdout.slice(head.index + head[0].length), "utf8");
  const size = Number(head[1]);
  return page(stream, body, since, head[2] === "1", since + body.length >= size);
}

/** A page of what the journal kept of a finished task (its capped stdout, or its log's tail). */
export function pageFromJournal(record: TaskRecord, stream: LogStream, since: number): LogPage {
  const kept = Buffer.from(stream === "out" ? (record.result?.stdout ?? "") : (record.log ?? ""), "utf8");
  const bytes = kept.subarray(Math.min(since, kept.length), Math.min(since, kept.length) + PAGE_BYTES);
  return page(stream, bytes, Math.min(since, kept.length), true, Math.min(since, kept.length) + bytes.length >= kept.length);
}

/**
 * The last `count` lines a task printed, read on its host (PicoClaw's log between its banner and its
 * answer), or null when its directory is gone (the journal has what was kept).
 */
export async function lastLinesFromHost(t: HostTransport, record: TaskRecord, count: number, timeoutMs: number): Promise<string[] | null> {
  const res = await t.exec(logsCommand(record.task_id, count), { timeoutMs });
  if (res.failure) throw new Error(`Cannot read the log of ${record.task_id} on ${record.host}: ${res.failure.message}`);
  const text = res.stdout;
  if (text.includes("\u001epcf gone\n")) return null;
  // Found by marker, not position: a chatty login shell may print before the script does.
  const logAt = text.indexOf("\u001epcf log\n");
  const outAt = text.indexOf("\u001epcf out\n", logAt);
  if (logAt < 0 || outAt < 0) throw new Error(`Cannot read the log of ${record.task_id} on ${record.host}: the host's answer was cut short; try again`);
  return taskLogLines(text.slice(outAt + 9), text.slice(logAt + 9, outAt), count);
}
