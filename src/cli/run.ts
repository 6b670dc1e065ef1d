import type { Deps } from "../deps.js";
import { intOption } from "./args.js";
import { checkedTask } from "./dispatch.js";
import { runFanout } from "./fanout.js";
import type { Parsed } from "./verbs.js";

/** `run "<command>" [--hosts a,b | --labels x] [--timeout S]`: shell code on the fleet (run_command), grouped like fanout, with its brakes. */
export async function runVerb(deps: Deps, p: Parsed): Promise<number> {
  const [command] = p.args;
  if (command === undefined) throw new Error('Usage: picoclaw-fleet run "<command>" [--hosts a,b | --labels x] [--timeout S] [--batch N|N%] [--max-failures N|N%] [--plan]');
  const total = deps.fleet.select({ hosts: p.hostsList, labels: p.labelsList }).length;
  const input = {
    task: checkedTask(command),
    kind: "command" as const,
    hosts: p.hostsList,
    labels: p.labelsList,
    timeout_s: intOption("timeout", p.timeout, 1, 86_400),
    // A person at a terminal can wait: the MCP 45 s limit does not apply unless asked for.
    wait_s: intOption("wait", p.wait, 0, 86_400) ?? 86_400,
    concurrency: intOption("concurrency", p.concurrency, 1, 1024),
  };
  return runFanout(deps, p, input, total, "run");
}
