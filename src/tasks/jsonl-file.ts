import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";

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

/**
 * Appends whole lines with O_APPEND (a line lands whole or not at all), creating the directory
 * (0700) and the file (0600) on first use: what is recorded may say things about the user's machines.
 */
export function appendLines(file: string, lines: string[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, lines.map((l) => `${l}\n`).join(""), { mode: 0o600 });
}

/** Moves `file` to `<file>.1` (replacing the one before) once it passed `maxBytes`; true when it did. */
export function rotateIfLarger(file: string, maxBytes: number): boolean {
  if (sizeOf(file) <= maxBytes) return false;
  renameSync(file, `${file}.1`);
  return true;
}

/** The parsed lines of `<file>.1` then `file`, oldest first; a torn line (a crash mid-write) is left out. */
export function readLines<T>(file: string): T[] {
  const out: T[] = [];
  for (const text of [readText(`${file}.1`), readText(file)]) {
    for (const raw of text.split("\n")) {
      if (!raw.trim()) continue;
      try {
        out.push(JSON.parse(raw) as T);
      } catch {
        // a torn last line: everything before it still counts
      }
    }
  }
  return out;
}
