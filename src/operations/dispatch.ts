import { createActivity, finishWithin } from "../claw/activity.js";
import type { Deps } from "../deps.js";
import type { HostConfig } from "../config/schema.js";
import { newFanoutId } from "../tasks/fanout-journal.js";
import { errorResult, type HostResult } from "../tasks/host-result.js";
import type { TaskKind } from "../tasks/remote-scripts.js";
import type { RunRequest, RunningTask } from "../tasks/task-types.js";
import { deployHost } from "./deploy.js";
import { pickHost } from "./pick-host.js";
import { confirmLarge } from "./confirm.js";
import type { OperationContext } from "./context.js";
import { planRun, type Plan } from "./plan.js";
import { planReason } from "./plan-hosts.js";
import { applyPolicy, policyVerdicts } from "./policy.js";
import { journaledOptions } from "./retry.js";
import { settleWithin } from "./wait.js";

/** What dispatch_task and fanout share: how long, how to wait, what to do around the task. */
export interface RunOptions {
  timeout_s?: number | undefined;
  wait_s?: number | undefined;
  deploy?: boolean | undefined;
  teardown?: boolean | undefined;
  session?: string | undefined;
  model?: string | undefined;
  slash_command?: boolean | undefined;
}

export interface DispatchInput extends RunOptions {
  task: string;
  host?: string | undefined;
  labels?: string[] | undefined;
  /** Touch no host beyond the read-only probe: say what would happen. */
  plan?: boolean | undefined;
}

/** dispatch_task's row, with the id it is journaled under (a `retry` of it reruns the task if it failed), or its plan. */
export type DispatchResult = HostResult & { fanout_id?: string; plan?: Plan };

/** The RunRequest for one host, with the config's defaults filled in; a shell command needs no PicoClaw. */
export function runRequest(deps: Deps, host: string, task: string, o: RunOptions & { kind?: TaskKind | undefined }): RunRequest {
  if (o.kind === "command") return { host, task, kind: "command", timeoutS: o.timeout_s ?? deps.config.defaults.timeout_s, teardown: false };
  return {
    host,
    task,
    timeoutS: o.timeout_s ?? deps.config.defaults.timeout_s,
    session: o.session,
    model: o.model,
    slashCommand: o.slash_command,
    teardown: Boolean(o.teardown),
    deploy: o.deploy === false ? undefined : async (signal) => void (await deployHost(deps, { host, activity: false }, { signal })),
  };
}

/**
 * Waits for started tasks within wait_s; on cancellation kills them all and waits (briefly) for
 * their `cancelled` rows. A task not done in time comes back as a `running` row with its task_id.
 */
export async function collect(deps: Deps, started: Pick<RunningTask, "taskId" | "result" | "cancel">[], hosts: string[], o: RunOptions, ctx: OperationContext, onEach?: (r: HostResult, i: number) => void): Promise<HostResult[]> {
  const waitMs = (o.wait_s ?? deps.config.defaults.wait_s) * 1000;
  const since = Date.now();
  const results = started.map((t) => t.result);
  let got = await settleWithin(results, waitMs, ctx.signal, onEach);
  if (ctx.signal?.aborted) {
    await Promise.all(started.map((t, i) => (got[i] ? undefined : t.cancel())));
    got = await settleWithin(results, 5000, undefined);
  }
  return got.map(
    (r, i) =>
      r ?? errorResult(hosts[i]!, started[i]!.taskId, "running", `still running after the ${waitMs / 1000} s wait; follow it with task_status ${started[i]!.taskId}`, Date.now() - since),
  );
}

/** `dispatch_task`: one task on one host (by name, by labels, or the least loaded), within wait_s. */
export async function dispatch(deps: Deps, input: DispatchInput, ctx: OperationContext = {}): Promise<DispatchResult> {
  const named = Boolean(input.host) && input.host !== "auto";
  const candidates = named ? [deps.fleet.host(input.host!)] : deps.fleet.select({ labels: input.labels });
  const scope = { explicit: named, teardown: input.teardown };
  if (input.plan) return planDispatch(deps, input, candidates, named, ctx.signal);
  const allowed = applyPolicy(deps.config, "dispatch_task", candidates, scope);
  const host = named ? allowed[0]!.name : await pickHost(deps, input.labels, ctx.signal, allowed.map((h) => h.name));
  await confirmLarge(deps, "dispatch_task", [host], ctx.confirm);
  const running = deps.tasks.run(runRequest(deps, host, input.task, input));
  const fanoutId = newFanoutId();
  deps.fanouts.record({ fanout_id: fanoutId, started_at: new Date().toISOString(), tool: "dispatch_task", task: input.task, jobs: [{ host, task_id: running.taskId }], options: journaledOptions(input) });
  const started = Date.now();
  const timeoutS = input.timeout_s ?? deps.config.defaults.timeout_s;
  const tick = setInterval(() => ctx.progress?.(Math.round((Date.now() - started) / 1000), timeoutS, `running on ${host}`), 2000);
  const leds = createActivity(deps);
  leds.start(1);
  try {
    const [result] = await collect(deps, [running], [host], input, ctx);
    leds.hostDone(result!.status);
    return { ...result!, fanout_id: fanoutId };
  } finally {
    clearInterval(tick);
    await finishWithin(leds);
  }
}

/** dispatch_task's dry run: the host it would pick (auto probes, read-only), and what would happen there. */
async function planDispatch(deps: Deps, input: DispatchInput, candidates: HostConfig[], named: boolean, signal?: AbortSignal): Promise<DispatchResult> {
  const allowed = policyVerdicts(deps.config, "dispatch_task", candidates, { explicit: named, teardown: input.teardown }).filter((v) => !v.refused_by);
  const pick = named || !allowed.length ? candidates : [deps.fleet.host(await pickHost(deps, input.labels, signal, allowed.map((v) => v.host.name)))];
  const plan = await planRun(deps, { tool: "dispatch_task", hosts: pick, selected_by: named ? "named in host" : "auto: the least-loaded reachable host", explicit: named, teardown: input.teardown, deploy: input.deploy }, signal);
  return { ...errorResult(plan.hosts[0]!.host, "", "skipped", planReason(plan.hosts[0]!)), plan };
}
