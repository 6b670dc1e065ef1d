import { z } from "zod";
import { listTasks, TASK_PAGE } from "../../operations/task-list.js";
import { hostResultText } from "../../results/host-text.js";
import { logsText, taskListText } from "../../results/tool-texts.js";
import { defineTool, ToolError } from "../tool.js";
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
  touchesHosts: true,
  text: hostResultText,
  wholeTask: true,
  app: true,
  run: (args, ctx) => ctx.deps.tasks.status(args.task_id),
});

/** `task_logs`: the tail of a task's output. */
export const taskLogsTool = defineTool({
  name: "task_logs",
  title: "Task logs",
  description:
    "What a task printed (running or finished): its last `lines` lines, or with `since` (a byte offset; 0 at first, then the next_since it returned) only what came after, a page at a time, so output is never read twice. `since` pages through a command's stdout, or PicoClaw's own log (stream: \"out\" for its stdout).",
  input: {
    task_id: taskId,
    lines: z.number().int().min(1).max(10_000).optional().describe("How many lines from the end (default 50); ignored with since"),
    since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe("Byte offset to read on from: 0 first, then the next_since of the last call"),
    stream: z.enum(["out", "log"]).optional().describe("With since: out (stdout) or log (PicoClaw's log file); default out for run_command, log for PicoClaw tasks"),
  },
  output: {
    task_id: z.string(),
    host: z.string(),
    lines: z.array(z.string()),
    stream: z.enum(["out", "log"]).optional(),
    next_since: z.number().int().optional().describe("With since: pass it as since next time"),
    complete: z.boolean().optional().describe("With since: the task ended and everything up to next_since was returned"),
  },
  annotations: readOnly,
  touchesHosts: true,
  text: logsText,
  wholeTask: true,
  run: (args, ctx) => ctx.deps.tasks.logs(args.task_id, args.lines ?? 50, args.since === undefined ? undefined : { offset: args.since, stream: args.stream }),
});

/** `task_list`: tasks known to the journal. */
export const taskListTool = defineTool({
  name: "task_list",
  title: "List tasks",
  description: `Tasks this server has started (kept across restarts), newest first, optionally filtered by status or host; ${TASK_PAGE.default} at a time (limit), older ones with before: the next_before of the page.`,
  input: {
    status: hostResult.shape.status.optional().describe("Only tasks in this state"),
    host: z.string().min(1).max(255).optional().describe("Only tasks on this host"),
    limit: z.number().int().min(1).max(TASK_PAGE.max).optional().describe(`Most tasks to return (default ${TASK_PAGE.default})`),
    before: taskId.optional().describe("Start after this task: the next_before of the previous page"),
  },
  output: {
    tasks: z.array(z.object({ task_id: z.string(), host: z.string(), status: z.string(), started_at: z.string(), task: z.string().describe("The task text, cut at 500 characters") })),
    next_before: z.string().optional().describe("Set when older tasks remain: pass it as before for the next page"),
  },
  annotations: { ...readOnly, openWorldHint: false },
  text: taskListText,
  run: async (args, ctx) => {
    try {
      return listTasks(ctx.deps, args);
    } catch (err) {
      throw new ToolError((err as Error).message);
    }
  },
});

/** `task_kill`: a running task killed with everything it started. */
export const taskKillTool = defineTool({
  name: "task_kill",
  title: "Kill a task",
  description: "Kill a running task on its host (PicoClaw and every process it started). Returns its final row, status cancelled (or its result if it had already ended).",
  input: { task_id: taskId },
  output: hostResult.shape,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  touchesHosts: true,
  text: hostResultText,
  wholeTask: true,
  run: (args, ctx) => ctx.deps.tasks.kill(args.task_id),
});
