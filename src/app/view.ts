import type { LedResult } from "../claw/led-types.js";
import { summarise, type FleetRun } from "../dashboard/run-types.js";
import type { FleetStatus } from "../operations/status.js";
import { groupResults } from "../results/group.js";
import type { HostResult } from "../tasks/host-result.js";
import { h } from "./dom.js";
import { hostsView } from "./hosts-view.js";
import { ledsView } from "./leds-view.js";
import { runView } from "./run-view.js";

/** Above this many hosts the grid gets a filter box. */
const FILTER_FROM = 24;

/** Runs kept on the page, newest first. */
const MAX_RUNS = 6;

/** A single task (`task_status`) as a run of one host, so one component shows both. */
export function taskRun(row: HostResult): FleetRun {
  return { id: row.task_id, task: `task on ${row.host}`, started_at: new Date(Date.now() - row.duration_ms).toISOString(), results: [row], groups: groupResults([row]), summary: summarise([row], row.duration_ms) };
}

/** What a tool result is, told from its shape: the page takes any of the app-enabled tools' results. */
export type Shown = { kind: "status"; value: FleetStatus } | { kind: "run"; value: FleetRun } | { kind: "leds"; value: LedResult } | { kind: "unknown" };

/** Tells a structuredContent apart by its fields (fleet_status, fanout, task_status, cluster_led). */
export function classify(data: unknown, started: number = Date.now(), input: { task?: unknown } = {}): Shown {
  const d = data as Record<string, any> | undefined;
  if (!d || typeof d !== "object") return { kind: "unknown" };
  if (Array.isArray(d.hosts) && d.summary && "reachable" in d.summary) return { kind: "status", value: d as FleetStatus };
  if (Array.isArray(d.results) && Array.isArray(d.groups)) return { kind: "run", value: { id: d.fanout_id ?? d.results[0]?.task_id ?? "fanout", task: typeof input.task === "string" ? input.task : "fan-out", started_at: new Date(started).toISOString(), ...d } as FleetRun };
  if (Array.isArray(d.pixels)) return { kind: "leds", value: d as LedResult };
  if (typeof d.task_id === "string" && typeof d.status === "string") return { kind: "run", value: taskRun(d as HostResult) };
  return { kind: "unknown" };
}

/**
 * The page's state and its rendering: the latest host status, the runs (newest first), the LED
 * strip and a line about the connection. Each section redraws alone (the host filter keeps its
 * focus and text), at most once per animation frame.
 */
export class FleetView {
  private status: FleetStatus | undefined;
  private probedAt: number | undefined;
  private readonly runs = new Map<string, FleetRun>();
  private leds: LedResult | undefined;
  private readonly filter = h("input", { type: "search", placeholder: "filter hosts or labels", "aria-label": "Filter hosts" }) as HTMLInputElement;
  private readonly sections = { line: h("p", { class: "conn", role: "status" }), hosts: h("div"), runs: h("div"), leds: h("div") };
  private readonly shells = {
    hosts: h("section", { id: "hosts", hidden: true }, h("h2", {}, "Hosts ", this.filter), this.sections.hosts),
    runs: h("section", { id: "runs", hidden: true }, h("h2", {}, "Fan-outs and tasks"), this.sections.runs),
    leds: h("section", { id: "leds", hidden: true }, h("h2", {}, "LED strip"), this.sections.leds),
  };
  private queued = false;

  constructor(root: HTMLElement) {
    root.replaceChildren(this.sections.line, this.shells.hosts, this.shells.runs, this.shells.leds);
    this.filter.addEventListener("input", () => this.redraw());
  }

  /** Shows a tool result or a feed event, whichever tool or door it came from. */
  show(shown: Shown): void {
    if (shown.kind === "status") [this.status, this.probedAt] = [shown.value, Date.now()];
    else if (shown.kind === "run") this.putRun(shown.value);
    else if (shown.kind === "leds") this.leds = shown.value;
    this.redraw();
  }

  /** The connection line: what the page waits for, or that the live feed dropped. */
  say(line: string): void {
    this.sections.line.textContent = line;
  }

  private putRun(run: FleetRun): void {
    this.runs.delete(run.id);
    this.runs.set(run.id, run);
    const newest = [...this.runs.values()].sort((a, b) => b.started_at.localeCompare(a.started_at));
    for (const old of newest.slice(MAX_RUNS)) this.runs.delete(old.id);
  }

  private redraw(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.filter.hidden = (this.status?.hosts.length ?? 0) <= FILTER_FROM;
      if (this.status) this.sections.hosts.replaceChildren(...hostsView(this.status, this.filter.value.trim(), this.probedAt));
      const runs = [...this.runs.values()].sort((a, b) => b.started_at.localeCompare(a.started_at));
      this.sections.runs.replaceChildren(...runs.map(runView));
      if (this.leds) this.sections.leds.replaceChildren(...ledsView(this.leds));
      this.shells.hosts.hidden = !this.status;
      this.shells.runs.hidden = runs.length === 0;
      this.shells.leds.hidden = !this.leds;
    });
  }
}
