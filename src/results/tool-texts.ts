import type { TeardownRow } from "../operations/teardown.js";
import { bucket, hostNeutral } from "./group.js";
import { oneLine, seconds } from "./host-text.js";

/** `teardown` as a model reads it: a summary line, then hosts with the same outcome once, folded. */
export function teardownText(out: { results: TeardownRow[] }): string {
  const ok = out.results.filter((r) => r.status === "succeeded").length;
  const lines = [`teardown: ${ok}/${out.results.length} hosts torn down`];
  const key = (r: TeardownRow) => JSON.stringify([r.status, r.removed, r.error ? hostNeutral(oneLine(r.error), r.host) : ""]);
  for (const b of bucket(out.results, (r) => r.host, key)) {
    const r = b.items[0]!;
    const what = r.error ? hostNeutral(oneLine(r.error), r.host) : r.removed.length ? `removed ${r.removed.join(", ")}` : "nothing was installed";
    const killed = r.cancelled?.length ? `; killed first: ${r.cancelled.join(", ")}` : "";
    lines.push(`${r.status} ${b.hosts_compact} (${b.items.length}): ${what}${killed}`);
  }
  return lines.join("\n");
}

/** `deploy_host` in one line (and its warning): what is on the host now, from which release. */
export function deployText(d: { host: string; version: string; arch: string; asset: string; sha256: string; path: string; action: string; duration_ms: number; onboarded: boolean; previous_version?: string | undefined; downgraded?: true | undefined; warning?: string | undefined }): string {
  const from = d.previous_version ? ` (was ${d.previous_version}${d.downgraded ? ", a downgrade" : ""})` : "";
  const line = `${d.host}: picoclaw ${d.version} ${d.action}${from} at ${d.path}, ${d.arch}, ${d.asset} sha256 ${d.sha256.slice(0, 12)}…, ${d.onboarded ? "onboarded" : "not onboarded"}, in ${seconds(d.duration_ms)}`;
  return d.warning ? `${line}\nwarning: ${d.warning}` : line;
}

/** `task_list` as plain lines, newest first, and how to see the page before. */
export function taskListText(out: { tasks: { task_id: string; host: string; status: string; started_at: string; task: string }[]; next_before?: string | undefined }): string {
  const lines = [`task_list: ${out.tasks.length} task${out.tasks.length === 1 ? "" : "s"}, newest first`];
  for (const t of out.tasks) lines.push(`${t.task_id} ${t.host} ${t.status} ${t.started_at.slice(0, 19)}Z ${JSON.stringify(oneLine(t.task, 80))}`);
  if (out.next_before) lines.push(`Older tasks: task_list with before: "${out.next_before}"`);
  return lines.join("\n");
}

/** `crush_models` as one line per model. */
export function crushModelsText(out: { models: { id: string; size_bytes?: number | undefined; loaded: boolean }[]; source: string }): string {
  const loaded = out.models.filter((m) => m.loaded).length;
  const lines = [`crush_models: ${out.models.length} models (${out.source}), ${loaded} loaded`];
  for (const m of out.models) lines.push(`${m.id}${m.size_bytes !== undefined ? ` ${(m.size_bytes / 1e9).toFixed(1)} GB` : ""}${m.loaded ? " loaded" : ""}`);
  return lines.join("\n");
}

/** `crush_infer`: the answer first, then one line on how it was made. */
export function inferText(out: { model: string; text: string; finish_reason: string | null; tokens_per_s: number; time_to_first_token_ms: number; duration_ms: number; usage: { completion_tokens: number } }): string {
  return `${out.text}\n\n-- ${out.model}, ${out.usage.completion_tokens} tokens at ${out.tokens_per_s.toFixed(1)} tokens/s, first token after ${Math.round(out.time_to_first_token_ms)} ms, ${seconds(out.duration_ms)}, finish ${out.finish_reason ?? "unknown"}`;
}

/** `task_logs` as the lines themselves, under one line naming the task. */
export function logsText(out: { task_id: string; host: string; lines: string[]; stream?: string; next_since?: number; complete?: boolean }): string {
  if (out.next_since === undefined) return [`task_logs ${out.task_id} on ${out.host}: last ${out.lines.length} lines`, ...out.lines].join("\n");
  const more = out.complete ? "the task ended: that is all" : `more may follow: task_logs since ${out.next_since}`;
  return [`task_logs ${out.task_id} on ${out.host}: ${out.lines.length} new lines of ${out.stream}; ${more}`, ...out.lines].join("\n");
}
