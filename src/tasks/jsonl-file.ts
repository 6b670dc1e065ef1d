import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { HostResult } from "./host-result.js";

// JSON-lines files: the task journal, the fan-out journal and the audit trail.

/** Bytes in `file`, 0 when it does not exist. */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The file's text, "" when it does not exist. */
export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return "";
  }
}

/** Moves `file` to `<file>.1` (replacing the one before) once it passed `maxBytes`; true when it did. */
export function rotateIfLarger(file: string, maxBytes: number): boolean {
  if (sizeOf(file) <= maxBytes) return false;
  renameSync(file, `${file}.1`);
  return true;
}

/** The parsed lines of `<file>.1` then `file`, oldest first; a torn line (a crash mid-write) is left out. */
export function readLines<T>(file: string): T[] {
  return [...parseLines<T>(readText(`${file}.1`)), ...parseLines<T>(readText(file))];
}

/** The JSON lines of `text`; a torn one (a crash mid-write, or the cut first line of a tail read) is left out. */
export function parseLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    try {
      out.push(JSON.parse(raw) as T);
    } catch {
      // everything around it still counts
    }
  }
  return out;
}

/** Opens `file` for appending (0600), making its directory (0700) only when it is missing. */
function openAppending(file: string): number {
  try {
    return openSync(file, "a", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    return openSync(file, "a", 0o600);
  }
}

/** One line of a journal file and where it lies, in bytes. */
export interface LineAt {
  text: string;
  offset: number;
  length: number;
}

/**
 * Appends `text` (whole lines) with O_APPEND, so a line lands whole or not at all, creating the
 * directory (0700) and the file (0600) on first use: what is recorded may say things about the
 * user's machines. Returns where it went and the file's size after it: one fstat on the open
 * descriptor, so the size is known at every write without a second look at the file.
 */
export function appendLines(file: string, text: string): { offset: number; size: number } {
  const bytes = Buffer.from(text, "utf8");
  const fd = openAppending(file);
  try {
    writeSync(fd, bytes);
    const size = fstatSync(fd).size;
    return { offset: size - bytes.length, size };
  } finally {
    closeSync(fd);
  }
}

/** The `length` bytes at `offset` of `file`, or undefined when the file is shorter or gone. */
export function readAt(file: string, offset: number, length: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(length);
    return readSync(fd, buf, 0, length, offset) === length ? buf.toString("utf8") : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Every line of `file` with its byte offset (none when it does not exist). */
export function linesOf(file: string): LineAt[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return [];
  }
  const lines: LineAt[] = [];
  for (let start = 0; start < buf.length; ) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    lines.push({ text: buf.toString("utf8", start, end), offset: start, length: end - start });
    start = end + 1;
  }
  return lines;
}

/** `text` cut to `keep` characters, head and tail, saying how much went. */
function clip(text: string, keep: number): string {
  if (text.length <= keep) return text;
  const half = Math.floor(keep / 2);
  return `${text.slice(0, half)}\n[… ${text.length - 2 * half} characters dropped from the journal …]\n${text.slice(text.length - half)}`;
}

/**
 * The result as the journal keeps it: whole when its line fits `budget` bytes, else its output
 * (stdout, stderr, reply) cut to head and tail until it does, so one task cannot take the
 * journal past its size limit. The caller that was handed the live result saw it whole.
 */
export function fitResult(result: HostResult, budget: number): HostResult {
  const weight = (r: HostResult) => Buffer.byteLength(JSON.stringify(r), "utf8");
  if (weight(result) <= budget) return result;
  let keep = Math.floor(budget / 2);
  let fitted = result;
  do {
    fitted = { ...result, stdout: clip(result.stdout, keep), stderr: clip(result.stderr, keep), reply: clip(result.reply, keep), truncated: true };
    keep = Math.floor(keep / 2);
  } while (weight(fitted) > budget && keep > 64);
  return fitted;
}
