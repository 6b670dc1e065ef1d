import type { Deps } from "../deps.js";
import { FAILED_STATUSES } from "../tasks/host-result.js";
import type { FanoutRecord } from "../tasks/fanout-journal.js";

/** The options a fan-out journals, which its retry reuses unless the retry call sets them anew. */
const JOURNALED_OPTIONS = ["kind", "timeout_s", "deploy", "teardown", "session", "model", "slash_command", "concurrency", "batch", "max_failures", "canary"] as const;

/** The journaled options out of a call's input. */
export function journaledOptions(call: object): Record<string, unknown> {
  const input = call as Record<string, unknown>;
  return Object.fromEntries(JOURNALED_OPTIONS.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
}

/** What a retry runs: the earlier fan-out's own task on each of its failed hosts, with its options. */
export interface RetryPlan {
  retry_of: string;
  tasks: { host: string; task: string }[];
  options: Record<string, unknown>;
}

/**
 * `retry: "<fanout_id>"`: the hosts of that fan-out (or dispatch) whose task failed, timed out or
 * was unreachable, each with the task it had, and nothing else. Skipped hosts are not retried: the
 * brakes stopped them for a reason, and running them is a new fan-out over them (its `skipped` group).
 * Outcomes come from the task journal, so batches that ended after the call returned count too.
 */
export function retryPlan(deps: Deps, id: string, call: object): RetryPlan {
  const given = call as Record<string, unknown>;
  const clash = ["task", "tasks", "hosts", "labels"].filter((k) => given[k] !== undefined);
  if (clash.length) throw new Error(`retry reruns the failed hosts of fan-out ${id} with their own tasks: leave ${clash.join(", ")} out`);
  const record: FanoutRecord = deps.fanouts.get(id);
  const statuses = record.jobs.map((j) => ({ ...j, status: deps.tasks.journal.get(j.task_id)?.status ?? "unknown" }));
  const failed = statuses.filter((j) => (FAILED_STATUSES as readonly string[]).includes(j.status));
  if (!failed.length) {
    const counts = new Map<string, number>();
    for (const j of statuses) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
    const seen = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
    throw new Error(`Fan-out ${id} has no host that failed, timed out or was unreachable (${seen}); nothing to retry. Running rows: follow them with task_status; skipped hosts: fanout with their names`);
  }
  return { retry_of: id, tasks: failed.map((j) => ({ host: j.host, task: j.task ?? record.task ?? "" })), options: record.options };
}
