import { z } from "zod";

/** A host name as the config spells it (validated against the config by the fleet). */
export const hostName = z
  .string()
  .min(1)
  .max(255)
  .describe("A host name from the fleet config (see fleet_status)");

/** Host names for tools that act on many hosts. */
export const hostNames = z.array(hostName).min(1).max(1000);

/** Labels select hosts that carry all of them. */
export const labelList = z.array(z.string().min(1).max(64)).min(1).max(32);

/** The per-host row shared by dispatch_task, fanout, task_status and task_kill (CONTRACT.md). */
export const hostResult = z.object({
  host: z.string(),
  task_id: z.string(),
  status: z.enum(["succeeded", "failed", "timed_out", "unreachable", "cancelled", "running"]),
  exit_code: z.number().int().nullable(),
  reply: z.string().describe("PicoClaw's answer alone: the text after its last 🦞 marker"),
  stdout: z.string().describe("Everything PicoClaw printed (banner, log lines, reply), head and tail kept past the cap"),
  stderr: z.string(),
  truncated: z.boolean(),
  duration_ms: z.number(),
  error: z.string().optional().describe("Why the task did not succeed, and what to do next"),
});

/** Security: a task is data for PicoClaw's -m; NUL cannot travel in argv, so it is refused up front. */
export const taskText = z
  .string()
  .min(1)
  .max(256 * 1024)
  .refine((s) => !s.includes("\0"), "task must not contain NUL bytes (argv cannot carry them)")
  .describe("The instruction for PicoClaw, passed verbatim to `picoclaw agent -m`");

/** Options shared by dispatch_task and fanout. */
export const runOptions = {
  timeout_s: z.number().int().min(1).max(86_400).optional().describe("Hard limit in seconds; PicoClaw and everything it started are killed then (default: config defaults.timeout_s, 120)"),
  wait_s: z.number().int().min(0).max(55).optional().describe("Return after at most this many seconds with `running` rows and task_ids for work still going (default 45; follow with task_status)"),
  teardown: z.boolean().optional().describe("Remove PicoClaw from the host once the result is collected"),
};

/** A task id as task_* tools take it. */
export const taskId = z.string().min(1).max(64).describe("A task_id from dispatch_task, fanout or task_list");
