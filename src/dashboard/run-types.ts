import type { FanoutResult } from "../operations/fanout.js";
import type { HostResult } from "../tasks/host-result.js";

/**
 * One fan-out (or a single task) as the fleet page shows it: the `fanout` tool's result, plus what the
 * page needs to tell runs apart and title them. The dashboard builds it from the task journal; in an
 * MCP host it is a `fanout` or `task_status` result. Fields added by later fan-out work (`batches`,
 * `skipped` rows) pass through untouched.
 */
export interface FleetRun extends FanoutResult {
  /** The journal's fan-out id when there is one, else the first task's id. */
  id: string;
  /** The task text, or "N different tasks" for a per-host fan-out. */
  task: string;
  /** ISO time the first task was started. */
  started_at: string;
  /** Rolling batches, when the fan-out used them: each batch's hosts and how it went. */
  batches?: { hosts_compact?: string; hosts?: string[]; status?: string }[];
}

/** A run's rows counted by outcome, as `fanout` counts them (a `skipped` row adds its own count). */
export function summarise(results: readonly HostResult[], durationMs: number): FleetRun["summary"] {
  const summary: Record<string, number> = { total: results.length, succeeded: 0, failed: 0, timed_out: 0, unreachable: 0, cancelled: 0, running: 0, duration_ms: durationMs };
  for (const r of results) summary[r.status] = (summary[r.status] ?? 0) + 1;
  return summary as FleetRun["summary"];
}
