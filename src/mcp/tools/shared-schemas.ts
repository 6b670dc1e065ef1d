import { TASK_STATUSES, type TaskStatus } from "../../tasks/host-result.js";
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
  status: z.enum(TASK_STATUSES as [TaskStatus, ...TaskStatus[]]).describe("skipped: a fan-out's brakes (failure budget, canary, plan) never started this host"),
  exit_code: z.number().int().nullable(),
  reply: z.string().describe("PicoClaw's answer alone: the text after its last 🦞 marker"),
  stdout: z.string().optional().describe('Everything PicoClaw printed (banner, log lines, reply), head and tail kept past the cap; left out of a succeeded row unless output: "full" (task_status has it)'),
  stderr: z.string().optional().describe('What PicoClaw wrote on stderr; left out of a succeeded row unless output: "full"'),
  truncated: z.boolean(),
  duration_ms: z.number(),
  error: z.string().optional().describe("Why the task did not succeed, and what to do next"),
});

/** Linux's MAX_ARG_STRLEN less the NUL terminator: the longest one argv element (PicoClaw's -m) can be. */
const MAX_ARG_BYTES = 131_071;

/**
 * Security: a task is data for PicoClaw's -m, one argv element; NUL cannot travel in argv and the
 * kernel refuses a longer element (E2BIG), so both are refused up front, naming the field.
 */
export const taskText = z
  .string()
  .min(1)
  .max(MAX_ARG_BYTES)
  .refine((s) => !s.includes("\0"), "task must not contain NUL bytes (argv cannot carry them)")
  .superRefine((s, ctx) => {
    const bytes = Buffer.byteLength(s, "utf8");
    if (bytes > MAX_ARG_BYTES) ctx.addIssue({ code: "custom", message: `Expected task to be at most ${MAX_ARG_BYTES} bytes in UTF-8 (one argv element), got ${bytes}` });
  })
  .describe("The instruction for PicoClaw, passed verbatim to `picoclaw agent -m`; at most 128 KiB, and all arguments of one call together at most 1 MiB");

/** Security: text that reaches a host as one argv element (--session, --model); NUL cannot, so it is refused up front. */
export const argText = (field: string, max: number) =>
  z.string().min(1).max(max).refine((s) => !s.includes("\0"), `${field} must not contain NUL bytes (argv cannot carry them)`);

/** Options shared by dispatch_task and fanout. */
export const runOptions = {
  timeout_s: z.number().int().min(1).max(86_400).optional().describe("Hard limit in seconds; PicoClaw and everything it started are killed then (default: config defaults.timeout_s, 120)"),
  wait_s: z.number().int().min(0).max(55).optional().describe("Return after at most this many seconds with `running` rows and task_ids for work still going (default 45; follow with task_status)"),
  teardown: z.boolean().optional().describe("Remove PicoClaw from the host once the result is collected"),
  slash_command: z.boolean().optional().describe("Run the task as one of PicoClaw's own commands (`/help`, `/clear`). Default false: a task starting with / or ! is given to the model as text"),
};

/**
 * The most one call's arguments may weigh, as JSON in UTF-8: well below the 10 MiB at which the
 * stdio transport drops a message and closes, so no request the schemas accept can end the session.
 */
export const REQUEST_BUDGET_BYTES = 1024 * 1024;

/** Security: refuses arguments past REQUEST_BUDGET_BYTES as a whole (1000 tasks of 128 KiB each would be 131 MB). */
export function withinRequestBudget(args: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>): void {
  const bytes = Buffer.byteLength(JSON.stringify(args), "utf8");
  if (bytes <= REQUEST_BUDGET_BYTES) return;
  ctx.addIssue({
    code: "custom",
    message: `Expected the arguments to be at most ${REQUEST_BUDGET_BYTES} bytes as JSON (1 MiB), got ${bytes}: split the work into several calls, or send one task to many hosts with task and hosts`,
  });
}

/** Whether succeeded rows carry their raw output (dispatch_task, fanout). */
export const outputMode = z
  .enum(["brief", "full"])
  .optional()
  .describe('brief (default): a succeeded row has its reply but not its raw stdout/stderr (banner, log lines); full: every row keeps them. task_status gives any one task\'s whole row either way.');

/**
 * A value or null, as an `anyOf` of single types: JSON-schema dialects that take one type per
 * schema (Gemini's OpenAPI subset, the Inspector's --strict) refuse `"type": ["number", "null"]`,
 * which zod writes for a bare `.nullable()`; a described inner schema keeps the two apart.
 */
export const orNull = <T extends z.ZodType>(inner: T, description: string) => inner.describe(description).nullable();

/** A task id as task_* tools take it. */
export const taskId = z.string().min(1).max(64).describe("A task_id from dispatch_task, fanout or task_list");

/** A count or a percentage of the selected hosts (`"10%"`), for batch and max_failures. */
const countOrPercent = (min: number) => z.union([z.number().int().min(min).max(1000), z.string().max(4).regex(/^(100|[1-9]\d?)%$/, 'expected a percentage such as "10%"')]);

/** The brakes of a fan-out (issue 14), shared by fanout and (later) run_command. */
export const brakeOptions = {
  batch: countOrPercent(1).optional().describe('Hosts per batch, a count or "N%" of the selected hosts: batches run one after another (default: all at once, bounded by concurrency)'),
  max_failures: countOrPercent(0)
    .optional()
    .describe('Failed, timed-out and unreachable hosts tolerated (a count or "N%"); once passed, no further batch starts and the rest are skipped rows (default: no limit)'),
  canary: z.number().int().min(1).max(1000).optional().describe("Run this many hosts first, alone; the rest start only when every canary succeeded"),
};

/** `plan: true`, on every tool that changes hosts. */
export const planFlag = z.boolean().optional().describe("Dry run: touch no host beyond a read-only probe, and say what would happen (hosts and why, deploys, policy refusals, unreachable hosts, batches)");

/** A dry run's findings (src/operations/plan.ts), in every result of a call made with plan: true. */
export const planSchema = z
  .object({
    tool: z.string(),
    selected_by: z.string(),
    hosts: z.array(
      z.object({
        host: z.string(),
        action: z.string().describe("What would happen there: run, deploy then run, install, upgrade, unchanged, remove, refused, unreachable"),
        reachable: orNull(z.boolean(), "Whether the read-only probe reached it"),
        picoclaw: orNull(z.string(), "PicoClaw version installed now, or missing"),
        refused_by: z.string().optional().describe("The policy rule that refuses it"),
        error: z.string().optional(),
        batch: z.number().int().optional(),
      }),
    ),
    release: z.object({ version: z.string().optional(), assets: z.record(z.string(), z.string()).optional(), error: z.string().optional() }).optional().describe("The release a deploy would install, per arch"),
    batches: z.array(z.string()).optional().describe("Each batch's hosts in node-range form, in order"),
    canary: z.number().int().optional(),
    max_failures: orNull(z.number().int(), "Failures tolerated before no further batch starts").optional(),
    confirm: z.string().optional().describe("The question policy.confirm_above would ask the person first"),
    refused: z.string().optional().describe("Why the whole call would be refused"),
  })
  .optional()
  .describe("Set when plan: true: what the call would do; nothing was run");
