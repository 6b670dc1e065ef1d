import type { Deps } from "../deps.js";

/** One task as task_list and `picoclaw-fleet tasks` show it: the task text shortened to 500 characters. */
export interface TaskListEntry {
  task_id: string;
  host: string;
  status: string;
  started_at: string;
  task: string;
}

/** A page of tasks, newest first; `next_before` is set when older ones remain. */
export interface TaskPage {
  tasks: TaskListEntry[];
  next_before?: string;
}

/** Default and largest page: a list that grows for the server's whole life must not grow the result with it. */
export const TASK_PAGE = { default: 50, max: 1000 };

/**
 * `task_list`: the journal's tasks newest first, filtered by status and host, `limit` at a time;
 * `before` (a task_id from the previous page's `next_before`) starts the page after that task.
 */
export function listTasks(deps: Deps, q: { status?: string | undefined; host?: string | undefined; limit?: number | undefined; before?: string | undefined }): TaskPage {
  const all = deps.tasks.list({ status: q.status, host: q.host });
  let from = 0;
  if (q.before !== undefined) {
    const at = all.findIndex((r) => r.task_id === q.before);
    if (at < 0) throw new Error(`Unknown task ${q.before} for before: pass the next_before of an earlier task_list page (with the same status and host)`);
    from = at + 1;
  }
  const limit = Math.min(q.limit ?? TASK_PAGE.default, TASK_PAGE.max);
  const page = all.slice(from, from + limit).map((r) => ({ task_id: r.task_id, host: r.host, status: r.status, started_at: r.started_at, task: r.task.length > 500 ? `${r.task.slice(0, 497)}...` : r.task }));
  const more = from + limit < all.length;
  return more ? { tasks: page, next_before: page.at(-1)!.task_id } : { tasks: page };
}
