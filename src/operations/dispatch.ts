import { createActivity } from "../claw/activity.js";
import type { Deps } from "../deps.js";
import { errorResult, type HostResult } from "../tasks/host-result.js";
import type { TaskKind } from "../tasks/remote-scripts.js";
import type { RunRequest, RunningTask } from "../tasks/task-service.js";
import { deployHost } from "./deploy.js";
import { pickHost } from "./pick-host.js";
import { applyPolicy } from "./policy.js";
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
}

/** Callbacks from the door (MCP or CLI): plain functions and a signal, never protocol objects. */
export interface OperationContext {
  signal?: AbortSignal | undefined;
  progress?: ((progress: number, total?: number, message?: string) => void) | undefined;
}

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
export async function collect(deps: Deps, started: RunningTask[], hosts: string[], o: RunOptions, ctx: OperationContext, onEach?: (r: HostResult, i: number) => void): Promise<HostResult[]> {
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
export async function dispatch(deps: Deps, input: DispatchInput, ctx: OperationContext = {}): Promise<HostResult> {
  const named = Boolean(input.host) && input.host !== "auto";
  const allowed = applyPolicy(deps.config, "dispatch_task", named ? [deps.fleet.host(input.host!)] : deps.fleet.select({ labels: input.labels }), { explicit: named, teardown: input.teardown });
  const host = named ? allowed[0]!.name : await pickHost(deps, input.labels, ctx.signal, allowed.map((h) => h.name));
  const running = deps.tasks.run(runRequest(deps, host, input.task, input));
  const started = Date.now();
  const timeoutS = input.timeout_s ?? deps.config.defaults.timeout_s;
  const tick = setInterval(() => ctx.progress?.(Math.round((Date.now() - started) / 1000), timeoutS, `running on ${host}`), 2000);
  const leds = createActivity(deps);
  leds.start(1);
  try {
    const [result] = await collect(deps, [running], [host], input, ctx);
    leds.hostDone(result!.status);
    return result!;
  } finally {
    clearInterval(tick);
    void leds.finish();
  }
}
