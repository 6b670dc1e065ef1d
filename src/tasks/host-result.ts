/** How a task on one host ended (or that it has not yet). */
export type TaskStatus = "succeeded" | "failed" | "timed_out" | "unreachable" | "cancelled" | "running";

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
