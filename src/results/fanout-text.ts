import { FAILED_STATUSES, TASK_STATUSES, type HostResult } from "../tasks/host-result.js";
import type { ResultGroup } from "./group.js";
import { seconds } from "./host-text.js";

/** Most hosts whose task ids a not-succeeded group lists in the text; the rest are in the rows. */
const IDS_SHOWN = 20;

/** What `fanoutText` needs: the rows (for task ids), the groups and the counts. */
export interface FanoutView {
  fanout_id?: string | undefined;
  retry_of?: string | undefined;
  results: Pick<HostResult, "host" | "task_id" | "status">[];
  groups: ResultGroup[];
  summary: { total: number; duration_ms: number } & Partial<Record<HostResult["status"], number>>;
}

/** `198 succeeded, 1 failed, 1 running`: the counts that are not zero. */
function counts(summary: FanoutView["summary"]): string {
  return TASK_STATUSES
    .filter((s) => (summary[s] ?? 0) > 0)
    .map((s) => `${summary[s]} ${s.replace("_", " ")}`)
    .join(", ");
}

/** A group's answer: on its header line when it is one short line, else below it, indented. */
function answer(head: string, reply: string): string {
  if (!reply) return `${head}: (no reply)`;
  if (!reply.includes("\n") && head.length + reply.length < 200) return `${head}: ${reply}`;
  return `${head}:\n${reply.replace(/^/gm, "  ")}`;
}

/**
 * A fan-out as a model reads it (CONTRACT.md, "Results a model reads"): a summary line, each
 * distinct answer once with its hosts in node-range form, each failure with its reason, the running
 * hosts with their task ids, and how to get more. Raw output is never in it.
 */
export function fanoutText(view: FanoutView, name = "fanout"): string {
  const s = view.summary;
  const id = view.fanout_id ? ` ${view.fanout_id}${view.retry_of ? ` (retry of ${view.retry_of})` : ""}` : "";
  const lines = [`${name}${id}: ${s.total} host${s.total === 1 ? "" : "s"} in ${seconds(s.duration_ms)}: ${counts(s)}; ${view.groups.length} distinct outcome${view.groups.length === 1 ? "" : "s"}`];
  const byHost = new Map(view.results.map((r) => [r.host, r.task_id]));
  for (const g of view.groups) {
    const head = `${g.status} ${g.hosts_compact} (${g.count})`;
    if (g.status === "succeeded") {
      lines.push(answer(head, g.reply));
      continue;
    }
    lines.push(`${head}: ${g.error ?? "no reason given"}`);
    if (g.status === "skipped") continue; // never started: no task to follow
    const ids = g.hosts.slice(0, IDS_SHOWN).map((h) => `${h}=${byHost.get(h)}`);
    const more = g.count > IDS_SHOWN ? ` … ${g.count - IDS_SHOWN} more in structuredContent.results` : "";
    lines.push(`  task ids: ${ids.join(" ")}${more}`);
  }
  const failed = FAILED_STATUSES.reduce((n, st) => n + (s[st] ?? 0), 0);
  if (failed && view.fanout_id) lines.push(`Retry: fanout with retry: "${view.fanout_id}" reruns exactly the ${failed} failed, timed-out or unreachable host${failed === 1 ? "" : "s"}.`);
  lines.push(`More: task_status <task_id> (a host's whole row, or how a running task is doing), task_logs <task_id> (its last lines); every host's row is in structuredContent.results (raw output of succeeded hosts with output: "full").`);
  return lines.join("\n");
}
