import type { Deps } from "../deps.js";
import { listTasks, TASK_PAGE } from "../operations/task-list.js";
import { intOption } from "./args.js";
import { followLogs, watchTasks } from "./live.js";
import { renderTable, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

/** `tasks [--status s] [--hosts h] [--limit N] [--before task_id]`: the journal, newest first, a page at a time. */
export async function tasksCommand(deps: Deps, p: Parsed): Promise<number> {
  if (p.watch) return watchTasks(deps, p, intOption("limit", p.limit, 1, TASK_PAGE.max) ?? 20);
  const page = listTasks(deps, { status: p.status as string | undefined, host: p.hostsList?.[0], limit: intOption("limit", p.limit, 1, TASK_PAGE.max), before: p.before as string | undefined });
  writeOutput(p.json, page, () => {
    const rows = page.tasks.map((t) => [t.task_id, t.host, t.status, t.started_at.replace("T", " ").slice(0, 19), t.task.split("\n")[0]!.slice(0, 60)]);
    const more = page.next_before ? `\n\nOlder tasks: picoclaw-fleet tasks --before ${page.next_before}` : "";
    return renderTable(["TASK", "HOST", "STATUS", "STARTED", "TASK TEXT"], rows) + more;
  });
  return 0;
}

/** `logs <task_id> [--lines N]`: the tail of a task's output; `--follow`: its lines as they come. */
export async function logsCommand(deps: Deps, p: Parsed): Promise<number> {
  const [id] = p.args;
  if (!id) throw new Error("Usage: picoclaw-fleet logs <task_id> [--lines N] [--follow [--jsonl]]");
  if (p.follow) return followLogs(deps, p, id);
  const out = await deps.tasks.logs(id, intOption("lines", p.lines, 1, 10_000) ?? 50);
  p.report?.(out);
  writeOutput(p.json, out, () => out.lines.join("\n"));
  return 0;
}

/** `kill <task_id>`: kills the task on its host and shows its final row. */
export async function killCommand(deps: Deps, p: Parsed): Promise<number> {
  const [id] = p.args;
  if (!id) throw new Error("Usage: picoclaw-fleet kill <task_id>");
  const result = await deps.tasks.kill(id);
  p.report?.(result);
  writeOutput(p.json, result, () => `${result.task_id} on ${result.host}: ${result.status}${result.error ? ` (${result.error})` : ""}`);
  return result.status === "cancelled" || result.status === "succeeded" ? 0 : 1;
}
