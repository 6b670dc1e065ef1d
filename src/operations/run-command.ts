import type { HostResult } from "../tasks/host-result.js";
import type { Deps } from "../deps.js";
import type { OperationContext } from "./dispatch.js";
import { fanout, type FanoutResult } from "./fanout.js";

/** What `run_command` takes: shell code, where to run it, and the fan-out's bounds. */
export interface RunCommandInput {
  command: string;
  host?: string | undefined;
  hosts?: string[] | undefined;
  labels?: string[] | undefined;
  timeout_s?: number | undefined;
  wait_s?: number | undefined;
  concurrency?: number | undefined;
}

/**
 * `run_command`: a shell command (not a PicoClaw prompt) on one host, several, labelled ones, or
 * all, over the same task runner as a PicoClaw task (its own task directory, the hard timeout that
 * kills everything it started, output caps, the journal, task_status / task_logs / task_kill), and
 * the same fan-out and grouping: `reply` is the command's stdout. No PicoClaw, no API key.
 */
export function runCommand(
  deps: Deps,
  input: RunCommandInput,
  ctx: OperationContext & { onResult?: (result: HostResult, done: number, total: number) => void } = {},
): Promise<FanoutResult> {
  if (input.host && input.hosts?.length) throw new Error("Give either host or hosts, not both");
  const hosts = input.host ? [input.host] : input.hosts;
  return fanout(deps, { task: input.command, hosts, labels: input.labels, timeout_s: input.timeout_s, wait_s: input.wait_s, concurrency: input.concurrency, kind: "command" }, ctx);
}
