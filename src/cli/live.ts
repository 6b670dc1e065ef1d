import type { Deps } from "../deps.js";
import { TaskJournal } from "../tasks/journal.js";
import { interruptible } from "./args.js";
import { paint, paintStatus, renderTable } from "./table.js";
import type { Parsed } from "./verbs.js";

const jsonl = (record: object) => process.stdout.write(`${JSON.stringify(record)}\n`);

/**
 * `logs <task_id> --follow [--jsonl]`: each line as the task writes it, over one SSH channel, until
 * the task ends; then its outcome. Ctrl-C stops following and leaves the task running.
 */
export async function followLogs(deps: Deps, p: Parsed, id: string): Promise<number> {
  const ac = interruptible("stopping (the task goes on)");
  const { host } = await deps.tasks.logs(id, 1);
  const ended = await deps.tasks.follow(id, (line) => (p.jsonl ? jsonl({ task_id: id, host, line, at: new Date().toISOString() }) : process.stdout.write(`${line}\n`)), { signal: ac.signal });
  if (ended === "stopped") return 130;
  if (ended === "gone") {
    // Collected before we came: the journal has its output.
    const kept = await deps.tasks.logs(id, 10_000);
    for (const line of kept.lines) p.jsonl ? jsonl({ task_id: id, host, line }) : process.stdout.write(`${line}\n`);
  }
  const result = await deps.tasks.status(id);
  if (p.jsonl) jsonl({ task_id: id, host, event: "end", status: result.status, exit_code: result.exit_code, ...(result.error ? { error: result.error } : {}) });
  else process.stderr.write(`${id} on ${host}: ${paintStatus(paint(process.stderr), result.status)}${result.error ? ` (${result.error})` : ""}\n`);
  return result.status === "succeeded" ? 0 : 1;
}

/**
 * `tasks --watch [--jsonl]`: the newest tasks of the journal (every process of this fleet writes
 * to it), read again every second; a table redrawn in place, or a JSON line per change of status.
 * Ctrl-C stops watching.
 */
export async function watchTasks(deps: Deps, p: Parsed, limit: number): Promise<number> {
  const ac = interruptible("stopping");
  const seen = new Map<string, string>();
  while (!ac.signal.aborted) {
    // A journal of its own each time: it reads what the other processes appended since.
    const journal = new TaskJournal(deps.config.tasks.journal, deps.config.tasks.journal_max_bytes);
    const host = p.hostsList?.[0];
    const tasks = journal.list().filter((t) => (!p.status || t.status === p.status) && (!host || t.host === host)).slice(0, limit);
    if (p.jsonl) {
      for (const t of [...tasks].reverse()) {
        if (seen.get(t.task_id) === t.status) continue;
        seen.set(t.task_id, t.status);
        jsonl({ task_id: t.task_id, host: t.host, status: t.status, started_at: t.started_at, task: t.task.split("\n")[0]!.slice(0, 200) });
      }
    } else {
      const c = paint(process.stdout);
      const rows = tasks.map((t) => [t.task_id, t.host, paintStatus(c, t.status), t.started_at.replace("T", " ").slice(0, 19), t.task.split("\n")[0]!.slice(0, 60)]);
      const clear = process.stdout.isTTY ? "\u001b[H\u001b[2J" : "";
      process.stdout.write(`${clear}${renderTable(["TASK", "HOST", "STATUS", "STARTED", "TASK TEXT"], rows)}\n${c.dim(`${new Date().toLocaleTimeString()}: every second; Ctrl-C stops watching`)}\n`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return 0;
}
