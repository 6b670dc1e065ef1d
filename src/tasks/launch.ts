import type { Fleet } from "../fleet/fleet.js";
import type { CommandLane } from "./command-lane.js";
import type { FleetError } from "../fleet/types.js";
import { detachCommand } from "./control-scripts.js";
import type { DetachedWatch } from "./detached-watch.js";
import { frameAck } from "./frame-ack.js";
import { parseFrame, type TaskFrame } from "./frame.js";
import { errorResult, type HostResult } from "./host-result.js";
import { CLEANED, runCommand, STARTED, type RunArgs, type TaskKind } from "./remote-scripts.js";
import { frameToResult, resultFromFailure } from "./to-result.js";

/** How one launch of a task on its host came out. */
export type Launched =
  | { kind: "ended"; frame: TaskFrame; cleaned: boolean }
  | { kind: "missing" }
  /** The host could not be reached, or the channel broke; `detached`: the task had started and goes on. */
  | { kind: "failure"; failure: FleetError; detached: boolean }
  | { kind: "no-result"; why: string }
  | { kind: "gone" }
  /** Detached and not ended within the watch: it goes on, and task_status follows it. */
  | { kind: "waiting" };

/** What one launch needs besides the runner's arguments. */
export interface LaunchSpec {
  host: string;
  args: RunArgs;
  message: Buffer;
  /** Bounds an exec against a host that hangs (the host's watchdog enforces the task's timeout). */
  timeoutMs: number;
  frameBytes: number;
  /** How long a detached task is watched before its row says `running`. */
  watchMs: number;
  /** Called once the task runs on its host (it no longer needs this process). */
  onStarted(): void;
}

/**
 * Runs a task on its host: a shell command on the host's command lane (command-lane.ts) when it
 * has one; else on one task channel when one is free (launch, wait, collect and clean-up in one
 * round trip); else detached (one short exec) and followed by the host's DetachedWatch, so
 * that a host runs more long tasks than it has channels and control never waits behind them.
 */
export async function launchTask(fleet: Fleet, watch: DetachedWatch, spec: LaunchSpec, clean: boolean, lane?: CommandLane): Promise<Launched> {
  // A shell command goes to the host's command lane when it has one (a fork there, not a session).
  const fast = lane && (await lane.run(spec, clean));
  if (fast) return fast;
  const transport = fleet.transport(spec.host);
  // Once the whole result is here, the runner removes the task directory on the same channel.
  const ack = frameAck(clean);
  let head = "";
  const onStdout = (chunk: Buffer) => {
    if (head.length < 4096) {
      head += chunk.toString("latin1");
      if (head.includes(STARTED)) {
        head = "x".repeat(4096);
        spec.onStarted();
      }
    }
    ack.onStdout(chunk);
  };
  const res = await transport.exec(runCommand(spec.args), {
    stdin: spec.message,
    stdinEnd: ack.stdinEnd,
    onStdout,
    timeoutMs: spec.timeoutMs,
    maxOutputBytes: spec.frameBytes,
    lane: "task",
  });
  if (res.failure?.kind === "busy") return detached(fleet, watch, spec);
  if (res.failure) return { kind: "failure", failure: res.failure, detached: false };
  const frame = parseFrame(res.stdout);
  if (frame?.state === "missing") return { kind: "missing" };
  if (frame?.state === "gone") return { kind: "gone" };
  if (!frame || frame.state !== "done") return { kind: "no-result", why: `exit ${res.exitCode}: ${res.stderr.trim().split("\n").pop() ?? ""}` };
  return { kind: "ended", frame, cleaned: res.stdout.endsWith(CLEANED) };
}

async function detached(fleet: Fleet, watch: DetachedWatch, spec: LaunchSpec): Promise<Launched> {
  const res = await fleet.transport(spec.host).exec(detachCommand(spec.args), { stdin: spec.message, timeoutMs: 30_000 });
  if (res.failure) return { kind: "failure", failure: res.failure, detached: false };
  if (res.stdout.includes("\u001epcf missing")) return { kind: "missing" };
  if (!res.stdout.includes("\u001epcf detached")) return { kind: "no-result", why: `exit ${res.exitCode}: ${res.stderr.trim().split("\n").pop() ?? ""}` };
  spec.onStarted();
  const outcome = await watch.wait(spec.host, spec.args.taskId, spec.watchMs);
  if (!outcome) return { kind: "waiting" };
  if ("gone" in outcome) return { kind: "gone" };
  if ("failure" in outcome) return { kind: "failure", failure: outcome.failure, detached: true };
  return { kind: "ended", frame: outcome.frame, cleaned: false };
}

/** The row for how a launch came out (`cancelled`: the caller had killed the task meanwhile). */
export function launchedResult(out: Launched, host: string, taskId: string, ms: number, kind: TaskKind | undefined, cancelled: boolean): HostResult {
  switch (out.kind) {
    case "ended":
      return frameToResult(host, taskId, out.frame, ms, kind);
    case "failure":
      return out.detached
        ? errorResult(host, taskId, "running", `${out.failure.message}; the task goes on on the host: follow it with task_status ${taskId}`, ms)
        : resultFromFailure(host, taskId, out.failure, ms);
    case "waiting":
      return errorResult(host, taskId, "running", `still running on ${host}; follow it with task_status ${taskId}`, ms);
    case "gone":
      return errorResult(host, taskId, cancelled ? "cancelled" : "failed", `the task directory is gone from ${host} (removed by a teardown with purge, or by hand) and its result with it`, ms);
    case "missing":
      return errorResult(host, taskId, "failed", `PicoClaw is still missing on ${host} after the deploy`, ms);
    case "no-result":
      return errorResult(host, taskId, "failed", `no result from ${host} (${out.why})`, ms);
  }
}
