import { z } from "zod";
import { defineTool } from "../tool.js";
import { hostResult, taskId } from "./shared-schemas.js";

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

/** `task_status`: a task's row, from the journal or from its host. */
export const taskStatusTool = defineTool({
  name: "task_status",
  title: "Task status",
  description: "The current row of a task started by dispatch_task or fanout: running, or its final result with the reply. Works after a dropped connection or a restart of this server.",
  input: { task_id: taskId },
  output: hostResult.shape,
  annotations: readOnly,
  run: (args, ctx) => ctx.deps.tasks.status(args.task_id),
});

/** `task_logs`: the tail of a task's output. */
export const taskLogsTool = defineTool({
  name: "task_logs",
  title: "Task logs",
  description: "The last lines PicoClaw printed for a task (running or finished).",
  input: { task_id: taskId, lines: z.number().int().min(1).max(10_000).optional().describe("How many lines from the end (default 50)") },
  output: { task_id: z.string(), host: z.string(), lines: z.array(z.string()) },
  annotations: readOnly,
  run: (args, ctx) => ctx.deps.tasks.logs(args.task_id, args.lines ?? 50),
});

/** `task_list`: tasks known to the journal. */
export const taskListTool = defineTool({
  name: "task_list",
  title: "List tasks",
  description: "Tasks this server has started (kept across restarts), newest first, optionally filtered by status or host.",
  input: {
    status: z.enum(["succeeded", "failed", "timed_out", "unreachable", "cancelled", "running"]).optional(),
    host: z.string().min(1).max(255).optional(),
  },
  output: { tasks: z.array(z.object({ task_id: z.string(), host: z.string(), status: z.string(), started_at: z.string(), task: z.string() })) },
  annotations: { ...readOnly, openWorldHint: false },
  run: async (args, ctx) => ({
    tasks: ctx.deps.tasks.list(args).map((r) => ({ task_id: r.task_id, host: r.host, status: r.status, started_at: r.started_at, task: r.task.length > 500 ? `${r.task.slice(0, 497)}...` : r.task })),
  }),
});

/** `task_kill`: a running task killed with everything it started. */
export const taskKillTool = defineTool({
  name: "task_kill",
  title: "Kill a task",
  description: "Kill a running task on its host (PicoClaw and every process it started). Returns its final row, status cancelled (or its result if it had already ended).",
  input: { task_id: taskId },
  output: hostResult.shape,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  run: (args, ctx) => ctx.deps.tasks.kill(args.task_id),
});
