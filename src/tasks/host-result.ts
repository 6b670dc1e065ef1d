/** How a task on one host ended (or that it has not yet). */
export type TaskStatus = "succeeded" | "failed" | "timed_out" | "unreachable" | "cancelled" | "running" | "skipped";

/** Every status, in the order summaries list them (`skipped`: a fan-out's brakes never started the host). */
export const TASK_STATUSES: readonly TaskStatus[] = ["succeeded", "failed", "timed_out", "unreachable", "cancelled", "running", "skipped"];

/** The statuses a failure budget counts and `retry` reruns: the host was tried and did not do the work. */
export const FAILED_STATUSES: readonly TaskStatus[] = ["failed", "timed_out", "unreachable"];

/**
 * Thrown by a launch gate that declines to launch a queued task (a fan-out's brakes, or a cancel
 * before its batch began): the task ends with this status and reason, having touched no host.
 */
export class NotLaunched extends Error {
  override name = "NotLaunched";
  constructor(
    readonly status: "skipped" | "cancelled",
    reason: string,
  ) {
    super(reason);
  }
}

/** The per-host row shared by dispatch_task, fanout and task_status (CONTRACT.md). */
export interface HostResult {
  host: string;
  task_id: string;
  status: TaskStatus;
  exit_code: number | null;
  reply: string;
  stdout: string;
  stderr: string;
  truncated: boolean;
  duration_ms: number;
  error?: string;
}

/** A row for a host where the task never ran or could not be followed. */
export function errorResult(host: string, taskId: string, status: TaskStatus, error: string, durationMs = 0): HostResult {
  return { host, task_id: taskId, status, exit_code: null, reply: "", stdout: "", stderr: "", truncated: false, duration_ms: durationMs, error };
}
