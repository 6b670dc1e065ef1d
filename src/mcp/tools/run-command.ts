import { z } from "zod";
import { runCommand } from "../../operations/run-command.js";
import { fanoutText } from "../../results/fanout-text.js";
import { briefRow } from "../../results/host-text.js";
import { planText } from "../../results/plan-text.js";
import { defineTool } from "../tool.js";
import { fanoutOutput } from "./fanout.js";
import { brakeOptions, hostName, hostNames, labelList, outputMode, planFlag, runOptions, taskText } from "./shared-schemas.js";

/** `run_command`: shell code on many hosts, no model in the loop; a tool of its own so policy can switch it off alone. */
export const runCommandTool = defineTool({
  name: "run_command",
  title: "Run a shell command",
  description:
    "Run a shell command (sh -c on each host, as its SSH user; not a PicoClaw prompt, no model, no API key) on one host, several, hosts with all `labels`, or every host. Use it for chores that need no reasoning: df -h, systemctl is-active nginx, git -C ~/src status. `reply` is the command's stdout; `groups` gathers hosts with the same output (hosts folded as host[01-20]). At timeout_s the command and everything it started are killed. The brakes of fanout apply (batch, max_failures, canary, plan). Rows still running after wait_s come back as status running with task_ids (follow with task_status / task_logs).",
  input: {
    command: taskText.describe("Shell code for the host's sh, run from the user's home (at most 128 KiB)"),
    host: hostName.optional().describe("One host name from the config"),
    hosts: hostNames.optional().describe("Host names; default (with no host or labels): every host"),
    labels: labelList.optional().describe("Only hosts carrying all these labels"),
    concurrency: z.number().int().min(1).max(1024).optional().describe("Hosts worked on at once (default: config defaults.concurrency, 32)"),
    timeout_s: runOptions.timeout_s,
    wait_s: runOptions.wait_s,
    ...brakeOptions,
    plan: planFlag,
    output: outputMode,
  },
  output: fanoutOutput(),
  app: true,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  touchesHosts: true,
  text: (out) => (out.plan ? planText(out.plan) : fanoutText(out, "run_command")),
  async run(args, ctx) {
    const out = await runCommand(ctx.deps, args, ctx);
    return { ...out, results: out.results.map((r) => briefRow(r, args.output === "full")) };
  },
});
