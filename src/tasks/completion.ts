import type { ResultGroup } from "../results/group.js";
import type { HostResult } from "./host-result.js";
import type { TaskKind } from "./remote-scripts.js";

/**
 * A finished task as the webhook pushes it, in the executor framework's shape (`task_id`,
 * `status`, `exit_code`, `completed_at`, `host`), with what explains it. No raw output: the
 * receiver asks task_status for that.
 */
export function completionRecord(r: HostResult, kind: TaskKind): Record<string, unknown> {
  return {
    event: "task.completed",
    task_id: r.task_id,
    status: r.status,
    exit_code: r.exit_code,
    completed_at: new Date().toISOString(),
    host: r.host,
    kind,
    duration_ms: r.duration_ms,
    ...(r.status === "succeeded" ? { reply: r.reply.slice(0, 4096) } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

/** A finished fan-out as the webhook pushes it: its summary and its groups (each distinct answer once). */
export function fanoutCompletion(fanoutId: string, tool: string, summary: Record<string, number>, groups: ResultGroup[]): Record<string, unknown> {
  return {
    event: "fanout.completed",
    fanout_id: fanoutId,
    tool,
    completed_at: new Date().toISOString(),
    summary,
    groups: groups.map((g) => ({ status: g.status, count: g.count, hosts_compact: g.hosts_compact, reply: g.reply.slice(0, 1024), ...(g.error ? { error: g.error } : {}) })),
  };
}
