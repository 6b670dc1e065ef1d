import { createActivity, finishWithin } from "../claw/activity.js";
import type { HostConfig } from "../config/schema.js";
import type { Deps } from "../deps.js";
import { groupResults, type ResultGroup } from "../results/group.js";
import { fanoutCompletion } from "../tasks/completion.js";
import { newFanoutId } from "../tasks/fanout-journal.js";
import { errorResult, TASK_STATUSES, type HostResult, type TaskStatus } from "../tasks/host-result.js";
import { confirmLarge } from "./confirm.js";
import type { OperationContext } from "./context.js";
import { collect, runRequest, type RunOptions } from "./dispatch.js";
import { planRun, type Plan } from "./plan.js";
import { planReason } from "./plan-hosts.js";
import { hostCountdown } from "./host-countdown.js";
import { applyPolicy } from "./policy.js";
import type { TaskKind } from "../tasks/remote-scripts.js";
import { journaledOptions, retryPlan } from "./retry.js";
import { planRollout, rollout, type Brakes, type Rollout } from "./rollout.js";

export interface FanoutInput extends RunOptions, Brakes {
  task?: string | undefined;
  hosts?: string[] | undefined;
  labels?: string[] | undefined;
  tasks?: { host: string; task: string }[] | undefined;
  concurrency?: number | undefined;
  /** Rerun the failed, timed-out and unreachable hosts of this earlier fan-out, and nothing else. */
  retry?: string | undefined;
  /** Touch no host beyond the read-only probe: say what would happen. */
  plan?: boolean | undefined;
  /** `command`: each task is shell code for the host's sh (run_command); default PicoClaw prompts. */
  kind?: TaskKind | undefined;
}

export interface FanoutResult {
  /** The id this fan-out is journaled under, for `retry` (absent on a plan, which runs nothing). */
  fanout_id?: string;
  /** The fan-out this one retried. */
  retry_of?: string;
  results: HostResult[];
  /** Hosts with the same outcome and (normalised) reply, largest first: each distinct answer once. */
  groups: ResultGroup[];
  summary: Record<TaskStatus, number> & { total: number; duration_ms: number };
  plan?: Plan;
}

/** Callbacks a fan-out's door may pass: each host's row as it lands, each batch as it begins. */
export type FanoutContext = OperationContext & {
  onResult?: (result: HostResult, done: number, total: number) => void;
  onBatch?: (batch: number, of: number) => void;
};

/** The (host, task) pairs a call names, before the policy: one task over a selection, or a task per host. */
function selection(deps: Deps, input: FanoutInput): { pairs: { host: HostConfig; task: string }[]; explicit: boolean; selectedBy: string } {
  if (input.tasks?.length) {
    if (input.task !== undefined) throw new Error("Give either task (with hosts or labels) or tasks, not both");
    return { pairs: input.tasks.map((t) => ({ host: deps.fleet.host(t.host), task: t.task })), explicit: true, selectedBy: "named in tasks" };
  }
  if (input.task === undefined) throw new Error("Expected task (one task for the selected hosts), tasks ([{ host, task }]) or retry (a fanout_id)");
  const hosts = deps.fleet.select({ hosts: input.hosts, labels: input.labels });
  const selectedBy = input.hosts?.length ? "named in hosts" : input.labels?.length ? `labels ${input.labels.join(", ")}` : "every host (no hosts or labels given)";
  return { pairs: hosts.map((host) => ({ host, task: input.task! })), explicit: Boolean(input.hosts?.length), selectedBy };
}

function summarise(results: HostResult[], started: number): FanoutResult["summary"] {
  const summary = { total: results.length, ...Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])), duration_ms: Date.now() - started } as FanoutResult["summary"];
  for (const r of results) summary[r.status]++;
  return summary;
}

/** A dry run's rows: every host skipped, saying what would have happened there. */
function planRows(plan: Plan): HostResult[] {
  return plan.hosts.map((h) => errorResult(h.host, "", "skipped", planReason(h)));
}

/** Once every batch has ended, a record of the rows the caller never saw (it returned at wait_s). */
function auditWhenDone(deps: Deps, tool: string, fanoutId: string, roll: Rollout): void {
  void roll.done
    .then(() => Promise.all(roll.jobs.map((j) => j.result)))
    .then((rows) => deps.audit.append({ tool, client: null, args: { fanout_id: fanoutId }, outcome: "completed", hosts: rows.map((r) => ({ host: r.host, status: r.status, task_id: r.task_id })), fanout_id: fanoutId }))
    .catch((err: unknown) => deps.logger.error({ err: String(err), fanout: fanoutId }, "audit record of a finished fan-out not written"));
}

/**
 * `fanout`: the same task (or one per host) on many hosts, through the one scheduler (rollout.ts):
 * batches, canaries and a failure budget, each batch bounded by `concurrency` and each host's
 * channel cap. Every host is a row; one failing host never affects another, and a host the brakes
 * never started is a `skipped` row saying why. Journaled under a `fanout_id` (for `retry`). Progress
 * goes out as each host finishes; cancelling kills every remote task. Rows come grouped (`groups`).
 */
export async function fanout(deps: Deps, input: FanoutInput, ctx: FanoutContext = {}): Promise<FanoutResult> {
  const started = Date.now();
  const retry = input.retry ? retryPlan(deps, input.retry, input) : undefined;
  const request: FanoutInput = retry ? { ...retry.options, ...journaledOptions(input), tasks: retry.tasks, plan: input.plan } : input;
  const { pairs, explicit, selectedBy } = selection(deps, request);
  const scope = { explicit, teardown: request.teardown };
  const tool = request.kind === "command" ? "run_command" : "fanout";
  if (request.plan) {
    const plan = await planRun(deps, { tool, hosts: pairs.map((p) => p.host), selected_by: retry ? `retry of ${retry.retry_of}` : selectedBy, explicit, teardown: request.teardown, deploy: request.deploy, brakes: request }, ctx.signal);
    const results = planRows(plan);
    return { ...(retry ? { retry_of: retry.retry_of } : {}), results, groups: groupResults(results), summary: summarise(results, started), plan };
  }
  const allowed = new Set(applyPolicy(deps.config, tool, pairs.map((p) => p.host), scope).map((h) => h.name));
  const list = pairs.filter((p) => allowed.has(p.host.name)).map((p) => ({ host: p.host.name, task: p.task }));
  if (list.length === 0) throw new Error(`No host matches${request.labels ? ` labels ${request.labels.join(", ")}` : ""}; see fleet_status`);
  await confirmLarge(deps, tool, list.map((j) => j.host), ctx.confirm);

  const fanoutId = newFanoutId();
  // teardown: true tears a host down once, after its last task of this call.
  const lastOnHost = hostCountdown(list.map((j) => j.host));
  const roll = rollout(list.length, planRollout(list.length, request), request.concurrency ?? deps.config.defaults.concurrency, (i, gate) => deps.tasks.run({ ...runRequest(deps, list[i]!.host, list[i]!.task, request), lastOnHost: lastOnHost(list[i]!.host), schedule: gate }), ctx.onBatch);
  const single = list.every((j) => j.task === list[0]!.task);
  deps.fanouts.record({
    fanout_id: fanoutId,
    started_at: new Date(started).toISOString(),
    tool,
    ...(single ? { task: list[0]!.task } : {}),
    jobs: list.map((j, i) => ({ host: j.host, task_id: roll.jobs[i]!.taskId, ...(single ? {} : { task: j.task }) })),
    options: journaledOptions(request),
    ...(retry ? { retry_of: retry.retry_of } : {}),
  });
  const leds = createActivity(deps);
  leds.start(list.length);
  let done = 0;
  const collected = await collect(deps, roll.jobs, list.map((j) => j.host), request, ctx, (r) => {
    ctx.progress?.(++done, list.length, `${r.host}: ${r.status}`);
    ctx.onResult?.(r, done, list.length);
    leds.hostDone(r.status);
  });
  await finishWithin(leds);
  const n = roll.plan.batches.length;
  const results = collected.map((r, i) =>
    r.status === "running" && !roll.begun(i) ? { ...r, error: `waiting for batch ${roll.batchOf(i) + 1} of ${n}, which starts only if the brakes allow; follow it with task_status ${r.task_id}` } : r,
  );
  if (results.some((r) => r.status === "running")) auditWhenDone(deps, tool, fanoutId, roll);
  // Pushed when the last row is final, whether or not the caller is still there.
  if (deps.webhook.enabled) void Promise.all(roll.jobs.map((j) => j.result)).then((rows) => deps.webhook.send(fanoutCompletion(fanoutId, tool, summarise(rows, started), groupResults(rows))));
  return { fanout_id: fanoutId, ...(retry ? { retry_of: retry.retry_of } : {}), results, groups: groupResults(results), summary: summarise(results, started) };
}
