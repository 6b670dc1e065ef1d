import type { FleetRun } from "../dashboard/run-types.js";
import type { ResultGroup } from "../results/group.js";
import { badge, clock, duration, h } from "./dom.js";

/** Outcomes in the order the summary line names them. */
const ORDER = ["succeeded", "failed", "timed_out", "unreachable", "cancelled", "skipped", "running"] as const;

/** Lines of a reply shown before "show all": a group stays a glance, the rest a click away. */
const REPLY_LINES = 6;

function text(body: string, cls: string): HTMLElement {
  const lines = body.split("\n");
  if (lines.length <= REPLY_LINES) return h("pre", { class: cls }, body);
  return h("details", {}, h("summary", {}, h("pre", { class: cls }, `${lines.slice(0, REPLY_LINES).join("\n")}\n… ${lines.length - REPLY_LINES} more lines`)), h("pre", { class: cls }, body));
}

/** One group: its outcome, its hosts folded, and the answer (or the reason, for a failure) once. */
function group(g: ResultGroup): HTMLElement {
  const reason = g.error && g.count === 1 ? g.error.replaceAll("<host>", g.hosts[0]!) : g.error;
  const body = g.status === "succeeded" ? g.reply : g.status === "running" ? "" : (reason ?? g.reply);
  return h(
    "li",
    { class: `group g-${g.status}`, "data-status": g.status, "data-count": g.count },
    h("div", { class: "group-head" }, badge(g.status), " ", h("b", { class: "hosts", title: g.hosts.join(", ") }, g.hosts_compact), h("span", { class: "dim" }, ` (${g.count})`)),
    body ? text(body, g.status === "succeeded" ? "reply" : "why") : null,
  );
}

function batches(run: FleetRun): HTMLElement | null {
  if (!run.batches?.length) return null;
  return h(
    "ol",
    { class: "batches", "aria-label": "Batches" },
    run.batches.map((b, i) => h("li", {}, `batch ${i + 1}: `, h("b", {}, b.hosts_compact ?? b.hosts?.join(",") ?? ""), b.status ? [" ", badge(b.status)] : null)),
  );
}

/**
 * A fan-out as the `fanout` tool groups it: progress while it runs, the outcome counts (a symbol
 * and a word each), then each distinct answer once with its hosts, failures with why, running and
 * skipped hosts, and batches when the fan-out had them.
 */
export function runView(run: FleetRun): HTMLElement {
  const s = run.summary as Record<string, number>;
  const done = s.total - (s.running ?? 0);
  const counts = ORDER.filter((k) => s[k]).map((k) => badge(k, s[k]));
  const live = (s.running ?? 0) > 0;
  return h(
    "article",
    { class: "run", "data-run": run.id, "data-state": live ? "running" : "done" },
    h("header", {}, h("q", { class: "task", title: run.task }, run.task), h("span", { class: "dim" }, ` ${clock(run.started_at)} · ${run.id}`)),
    h(
      "div",
      { class: "progress-line" },
      h("progress", { max: s.total, value: done, "aria-label": "Hosts done" }),
      h("span", { "data-testid": "run-progress" }, `${done}/${s.total} done`),
      live ? null : h("span", { class: "dim" }, ` in ${duration(s.duration_ms)}`),
    ),
    h("p", { class: "summary" }, counts),
    batches(run),
    h("ul", { class: "groups" }, run.groups.map(group)),
  );
}
