import type { FleetError } from "../fleet/types.js";
import { extractReply } from "../picoclaw/reply.js";
import type { TaskFrame } from "./frame.js";
import type { TaskKind } from "./remote-scripts.js";
import { errorResult, type HostResult } from "./host-result.js";

/** The row for a task whose host printed its state; a command's reply is its stdout, PicoClaw's its answer. */
export function frameToResult(host: string, taskId: string, frame: TaskFrame, measuredMs: number, kind: TaskKind = "agent"): HostResult {
  const status = frame.state !== "done" ? "running" : frame.cancelled ? "cancelled" : frame.timedOut ? "timed_out" : frame.exitCode === 0 ? "succeeded" : "failed";
  const hostMs = frame.startedAt !== null && frame.endedAt !== null ? (frame.endedAt - frame.startedAt) * 1000 : null;
  const result: HostResult = {
    host,
    task_id: taskId,
    status,
    exit_code: frame.state === "done" ? frame.exitCode : null,
    reply: status !== "succeeded" ? "" : kind === "command" ? withoutLastNewline(frame.stdout) : extractReply(frame.stdout),
    stdout: frame.stdout,
    stderr: frame.stderr,
    truncated: frame.truncated,
    duration_ms: hostMs !== null && measuredMs > hostMs + 5000 ? hostMs : measuredMs,
  };
  const why = reason(status, frame, host, kind === "command" ? "The command" : "PicoClaw");
  if (why) result.error = why;
  return result;
}

function reason(status: HostResult["status"], frame: TaskFrame, host: string, what: string): string | undefined {
  if (status === "timed_out") return `${what} timed out on ${host} and was killed with everything it started`;
  if (status === "cancelled") return `Cancelled: ${what} was killed on ${host} with everything it started`;
  if (status === "failed" && frame.outputLimited) {
    return `${what} wrote more than tasks.max_output_bytes on ${host} and was killed with everything it started (the disk there must not fill up)`;
  }
  if (status === "failed") {
    const last = frame.stderr.trim().split("\n").pop();
    return `${what} exited with code ${frame.exitCode} on ${host}${last ? `: ${last}` : ""}`;
  }
  return undefined;
}

/** The row for a task whose host could not be reached, or whose connection broke mid-task. */
export function resultFromFailure(host: string, taskId: string, failure: FleetError, ms: number): HostResult {
  switch (failure.kind) {
    case "disconnected":
    case "timeout":
      // The task runs detached on the host; it may well finish there.
      return errorResult(host, taskId, "running", `${failure.message}; the task goes on on the host: follow it with task_status ${taskId}`, ms);
    case "aborted":
      return errorResult(host, taskId, "cancelled", failure.message, ms);
    default:
      return errorResult(host, taskId, "unreachable", failure.message, ms);
  }
}

/** A command's reply: its stdout less one trailing newline, as a slice (V8 shares the bytes: a 1 MiB output is not held twice). */
function withoutLastNewline(stdout: string): string {
  const cut = stdout.endsWith("\r\n") ? 2 : stdout.endsWith("\n") ? 1 : 0;
  return cut ? stdout.slice(0, -cut) : stdout;
}
