import type { Deps } from "../deps.js";
import { fanout, type FanoutContext, type FanoutResult } from "./fanout.js";
import type { Brakes } from "./rollout.js";

/** What `run_command` takes: shell code, where to run it, and the fan-out's bounds. */
export interface RunCommandInput extends Brakes {
  command: string;
  host?: string | undefined;
  hosts?: string[] | undefined;
  labels?: string[] | undefined;
  timeout_s?: number | undefined;
  wait_s?: number | undefined;
  concurrency?: number | undefined;
  plan?: boolean | undefined;
}

/**
 * `run_command`: a shell command (not a PicoClaw prompt) on one host, several, labelled ones, or
 * all, over the same task runner as a PicoClaw task (its own task directory, the hard timeout that
 * kills everything it started, output caps, the journal, task_status / task_logs / task_kill), and
 * the same fan-out and grouping: `reply` is the command's stdout. No PicoClaw, no API key.
 */
export function runCommand(deps: Deps, input: RunCommandInput, ctx: FanoutContext = {}): Promise<FanoutResult> {
  if (input.host && input.hosts?.length) throw new Error("Give either host or hosts, not both");
  const { command, host, ...rest } = input;
  return fanout(deps, { ...rest, task: command, hosts: host ? [host] : input.hosts, kind: "command" }, ctx);
}
