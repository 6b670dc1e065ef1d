import PQueue from "p-queue";
import { createActivity } from "../claw/activity.js";
import type { Deps } from "../deps.js";
import { groupResults, type ResultGroup } from "../results/group.js";
import type { HostResult, TaskStatus } from "../tasks/host-result.js";
import { collect, runRequest, type OperationContext, type RunOptions } from "./dispatch.js";
import { hostCountdown } from "./host-countdown.js";
import { applyPolicy } from "./policy.js";

export interface FanoutInput extends RunOptions {
  task?: string | undefined;
  hosts?: string[] | undefined;
  labels?: string[] | undefined;
  tasks?: { host: string; task: string }[] | undefined;
  concurrency?: number | undefined;
}

export interface FanoutResult {
  results: HostResult[];
  /** Hosts with the same outcome and (normalised) reply, largest first: each distinct answer once. */
  groups: ResultGroup[];
  summary: Record<Exclude<TaskStatus, never>, number> & { total: number; duration_ms: number };
}

/** The (host, task) pairs a fan-out runs: one task over a selection, or a task per host. */
function jobs(deps: Deps, input: FanoutInput): { host: string; task: string }[] {
  if (input.tasks?.length) {
    if (input.task !== undefined) throw new Error("Give either task (with hosts or labels) or tasks, not both");
    applyPolicy(deps.config, "fanout", input.tasks.map((t) => deps.fleet.host(t.host)), { explicit: true, teardown: input.teardown });
    return input.tasks.map((t) => ({ host: deps.fleet.host(t.host).name, task: t.task }));
  }
  if (input.task === undefined) throw new Error("Expected task (one task for the selected hosts) or tasks ([{ host, task }])");
  const selected = deps.fleet.select({ hosts: input.hosts, labels: input.labels });
  const hosts = applyPolicy(deps.config, "fanout", selected, { explicit: Boolean(input.hosts?.length), teardown: input.teardown });
  if (hosts.length === 0) throw new Error(`No host matches${input.labels ? ` labels ${input.labels.join(", ")}` : ""}; see fleet_status`);
  return hosts.map((h) => ({ host: h.name, task: input.task! }));
}

/**
 * `fanout`: the same task (or one per host) on many hosts at once, bounded by `concurrency` and
 * by each host's channel cap. Every host is a row; one failing host never affects another. A
 * progress notification goes out as each host finishes; cancelling kills every remote task. The
 * rows come grouped too (`groups`), for every door to show each distinct answer once.
 */
export async function fanout(
  deps: Deps,
  input: FanoutInput,
  ctx: OperationContext & { onResult?: (result: HostResult, done: number, total: number) => void } = {},
): Promise<FanoutResult> {
  const started = Date.now();
  const list = jobs(deps, input);
  const queue = new PQueue({ concurrency: input.concurrency ?? deps.config.defaults.concurrency });
  const lastOnHost = hostCountdown(list.map((j) => j.host));
  const running = list.map((job) => deps.tasks.run({ ...runRequest(deps, job.host, job.task, input), lastOnHost: lastOnHost(job.host), schedule: <T>(launch: () => Promise<T>) => queue.add(launch) as Promise<T> }));
  const leds = createActivity(deps);
  leds.start(list.length);
  let done = 0;
  const results = await collect(deps, running, list.map((j) => j.host), input, ctx, (r) => {
    ctx.progress?.(++done, list.length, `${r.host}: ${r.status}`);
    ctx.onResult?.(r, done, list.length);
    leds.hostDone(r.status);
  });
  void leds.finish();
  const summary = { total: results.length, succeeded: 0, failed: 0, timed_out: 0, unreachable: 0, cancelled: 0, running: 0, duration_ms: Date.now() - started };
  for (const r of results) summary[r.status]++;
  return { results, groups: groupResults(results), summary };
}
