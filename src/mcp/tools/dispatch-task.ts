import { z } from "zod";
import { dispatch } from "../../operations/dispatch.js";
import { briefRow, hostResultText } from "../../results/host-text.js";
import { planText } from "../../results/plan-text.js";
import { defineTool } from "../tool.js";
import { argText, hostResult, labelList, outputMode, planFlag, planSchema, runOptions, taskText } from "./shared-schemas.js";

/** `dispatch_task`: one PicoClaw task on one host, bounded by a timeout that kills. */
export const dispatchTaskTool = defineTool({
  name: "dispatch_task",
  title: "Dispatch a task",
  description:
    "Run one PicoClaw task (`picoclaw agent -m TASK`) on one fleet host and return its reply. The host is a name from the config, or \"auto\" (default): the least-loaded reachable host with PicoClaw, optionally among hosts with `labels`. PicoClaw is deployed first when missing (deploy: true). At timeout_s the task and everything it started are killed (status timed_out). Work longer than wait_s returns status running with a task_id: follow it with task_status / task_logs.",
  input: {
    task: taskText,
    host: z.string().min(1).max(255).optional().describe('A host name from the config, or "auto" (default)'),
    labels: labelList.optional().describe('With host "auto": only hosts carrying all these labels'),
    ...runOptions,
    deploy: z.boolean().optional().describe("Deploy PicoClaw first when it is missing (default true)"),
    session: argText("session", 128).optional().describe("Name a conversation to continue it across tasks on this host (e.g. \"notes\"); default: each task has a session of its own, removed when it ends"),
    model: argText("model", 128).optional().describe("PicoClaw model name (--model) for this task"),
    output: outputMode,
    plan: planFlag,
  },
  output: { ...hostResult.shape, fanout_id: z.string().optional().describe("The id this run is journaled under: fanout with retry reruns it if it failed"), plan: planSchema },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  touchesHosts: true,
  text: (out) => (out.plan ? planText(out.plan) : hostResultText(out)),
  run: async (args, ctx) => {
    const out = await dispatch(ctx.deps, args, ctx);
    return { ...briefRow(out, args.output === "full"), ...(out.fanout_id ? { fanout_id: out.fanout_id } : {}), ...(out.plan ? { plan: out.plan } : {}) };
  },
});
