import { z } from "zod";
import { fanout } from "../../operations/fanout.js";
import { fanoutText } from "../../results/fanout-text.js";
import { briefRow } from "../../results/host-text.js";
import { planText } from "../../results/plan-text.js";
import { defineTool } from "../tool.js";
import { brakeOptions, hostName, hostNames, hostResult, labelList, outputMode, planFlag, planSchema, runOptions, taskText } from "./shared-schemas.js";

const group = z.object({
  status: hostResult.shape.status,
  reply: z.string().describe("The answer these hosts gave, normalised (line ends, trailing whitespace and blank lines trimmed)"),
  count: z.number().int(),
  hosts: z.array(z.string()),
  hosts_compact: z.string().describe("The hosts in node-range form: host[01-20],pi-[a-c]"),
  error: z.string().optional().describe("Why these hosts did not succeed, the host's own name written <host>"),
});

/** What fanout and run_command return: every host a row, the rows grouped, a summary (and a plan on a dry run). */
export function fanoutOutput() {
  return {
      fanout_id: z.string().optional().describe("The id this fan-out is journaled under: retry with it (absent on a plan)"),
      retry_of: z.string().optional().describe("The fan-out this one retried"),
      results: z.array(hostResult),
      groups: z.array(group).describe("Hosts whose outcome and normalised reply are the same, largest group first; every host in exactly one"),
      summary: z.object({
        total: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
        timed_out: z.number().int(),
        unreachable: z.number().int(),
        cancelled: z.number().int(),
        running: z.number().int(),
        skipped: z.number().int(),
        duration_ms: z.number(),
      }),
      plan: planSchema,
  };
}

/** `fanout`: one task (or one per host) over many hosts in parallel, every host a row. */
export const fanoutTool = defineTool({
  name: "fanout",
  title: "Fan a task out",
  description:
    "Run the same PicoClaw task on many hosts in parallel (all hosts, `hosts`, or hosts with all `labels`), or a different task per host (`tasks`). Every host is a row of `results`, and `groups` gathers hosts with the same outcome and answer (largest first, hosts folded as host[01-20]); an unreachable or failing host never fails the call. Progress is reported as each host finishes. Rows still running after wait_s come back as status running with task_ids (follow with task_status). Brakes: batch, max_failures and canary roll it out a batch at a time and stop early (hosts never started are skipped rows); retry reruns an earlier fan-out's failed hosts; plan: true says what would happen and runs nothing.",
  input: {
    task: taskText.optional().describe("The instruction for every selected host (or use tasks)"),
    hosts: hostNames.optional().describe("Host names; default: every host"),
    labels: labelList.optional().describe("Only hosts carrying all these labels"),
    tasks: z.array(z.object({ host: hostName, task: taskText })).min(1).max(1000).optional().describe("One task per host instead of `task`"),
    concurrency: z.number().int().min(1).max(1024).optional().describe("Hosts worked on at once within a batch (default: config defaults.concurrency, 32)"),
    ...brakeOptions,
    retry: z.string().min(1).max(64).optional().describe("A fanout_id: rerun that fan-out's task on exactly its failed, timed-out and unreachable hosts (leave task, tasks, hosts and labels out)"),
    plan: planFlag,
    ...runOptions,
    deploy: z.boolean().optional().describe("Deploy PicoClaw first where it is missing (default true)"),
    output: outputMode,
  },
  output: fanoutOutput(),
  app: true,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  touchesHosts: true,
  text: (out) => (out.plan ? planText(out.plan) : fanoutText(out)),
  async run(args, ctx) {
    const out = await fanout(ctx.deps, args, ctx);
    return { ...out, results: out.results.map((r) => briefRow(r, args.output === "full")) };
  },
});
