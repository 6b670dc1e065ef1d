import type { HostResult } from "../tasks/host-result.js";

/** A row as a tool returns it: a succeeded row may leave its raw output out (`output: "brief"`). */
export type ResultRow = Omit<HostResult, "stdout" | "stderr"> & { stdout?: string; stderr?: string };

/**
 * The row as structuredContent carries it: a succeeded host's `stdout` and `stderr` (banner, log
 * lines, the reply again) are left out unless `full`; a row that did not succeed keeps them, as
 * they explain it. task_status and task_logs still return everything.
 */
export function briefRow(row: HostResult, full: boolean): ResultRow {
  if (full || row.status !== "succeeded") return row;
  const { stdout: _stdout, stderr: _stderr, ...rest } = row;
  return rest;
}

/** `1.2 s` */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The first line of `text`, at most `max` characters. */
export function oneLine(text: string, max = 300): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The last `n` non-empty lines of `text`, each at most 300 characters. */
export function lastLines(text: string, n: number): string[] {
  return text
    .split("\n")
    .filter((l) => l.trim())
    .slice(-n)
    .map((l) => oneLine(l));
}

/**
 * One task's row as a model reads it (dispatch_task, task_status, task_kill): the reply first, then
 * one line on the outcome; for a task that did not succeed, its reason and the last lines it printed;
 * and how to follow it up.
 */
export function hostResultText(row: ResultRow): string {
  const head = `${row.host} ${row.task_id} ${row.status}${row.exit_code !== null && row.status !== "succeeded" ? ` (exit ${row.exit_code})` : ""} in ${seconds(row.duration_ms)}`;
  if (row.status === "succeeded") {
    return `${row.reply}\n\n-- ${head}${row.truncated ? ", output capped" : ""}. Whole output: task_status ${row.task_id}; last lines: task_logs ${row.task_id}`;
  }
  const out = [head, ...(row.error ? [`reason: ${row.error}`] : [])];
  const stderr = lastLines(row.stderr ?? "", 10);
  if (stderr.length) out.push("stderr, last lines:", ...stderr.map((l) => `  ${l}`));
  const stdout = lastLines(row.stdout ?? "", 10);
  if (stdout.length) out.push("stdout, last lines:", ...stdout.map((l) => `  ${l}`));
  out.push(row.status === "running" ? `Follow it: task_status ${row.task_id}, task_logs ${row.task_id}; stop it: task_kill ${row.task_id}` : `More: task_status ${row.task_id} (the whole row), task_logs ${row.task_id}`);
  return out.join("\n");
}
