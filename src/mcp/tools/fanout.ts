import { z } from "zod";
import { fanout } from "../../operations/fanout.js";
import { fanoutText } from "../../results/fanout-text.js";
import { briefRow } from "../../results/host-text.js";
import { defineTool } from "../tool.js";
import { hostName, hostNames, hostResult, labelList, outputMode, runOptions, taskText } from "./shared-schemas.js";

const group = z.object({
  status: hostResult.shape.status,
  reply: z.string().describe("The answer these hosts gave, normalised (line ends, trailing whitespace and blank lines trimmed)"),
  count: z.number().int(),
  hosts: z.array(z.string()),
  hosts_compact: z.string().describe("The hosts in node-range form: host[01-20],pi-[a-c]"),
  error: z.string().optional().describe("Why these hosts did not succeed, the host's own name written <host>"),
});

/** What fanout and run_command return: every host a row, the rows grouped, a summary. */
export function fanoutOutput() {
  return {
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
      duration_ms: z.number(),
    }),
  };
}

/** `fanout`: one task (or one per host) over many hosts in parallel, every host a row. */
export const fanoutTool = defineTool({
  name: "fanout",
  title: "Fan a task out",
  description:
    "Run the same PicoClaw task on many hosts in parallel (all hosts, `hosts`, or hosts with all `labels`), or a different task per host (`tasks`). Every host is a row of `results`, and `groups` gathers hosts with the same outcome and answer (largest first, hosts folded as host[01-20]); an unreachable or failing host never fails the call. Progress is reported as each host finishes. Rows still running after wait_s come back as status running with task_ids (follow with task_status).",
  input: {
    task: taskText.optional().describe("The instruction for every selected host (or use tasks)"),
    hosts: hostNames.optional().describe("Host names; default: every host"),
    labels: labelList.optional().describe("Only hosts carrying all these labels"),
    tasks: z.array(z.object({ host: hostName, task: taskText })).min(1).max(1000).optional().describe("One task per host instead of `task` (all of them together at most 1 MiB as JSON)"),
    concurrency: z.number().int().min(1).max(1024).optional().describe("Hosts worked on at once (default: config defaults.concurrency, 32)"),
    ...runOptions,
    deploy: z.boolean().optional().describe("Deploy PicoClaw first where it is missing (default true)"),
    output: outputMode,
  },
  output: fanoutOutput(),
  app: true,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  text: fanoutText,
  async run(args, ctx) {
    const out = await fanout(ctx.deps, args, ctx);
    return { ...out, results: out.results.map((r) => briefRow(r, args.output === "full")) };
  },
});
