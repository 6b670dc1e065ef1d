import type { FleetStatus, HostStatus } from "../operations/status.js";
import { bucket } from "./group.js";
import { oneLine, seconds } from "./host-text.js";

/** A figure, or `-` when the host did not give it. */
const fig = (n: number | null) => (n === null ? "-" : String(n));

/** `picoclaw 0.2.9: h[01-20]` lines: a fact many hosts share, said once. */
function shared(rows: HostStatus[], label: string, fact: (r: HostStatus) => string | null): string[] {
  return bucket(rows.filter((r) => fact(r) !== null), (r) => r.name, (r) => fact(r)!).map((b) => `${label} ${b.key}: ${b.hosts_compact}`);
}

/**
 * `fleet_status` as a model reads it: a summary line; the facts hosts share (PicoClaw version,
 * arch, labels) once each with their hosts folded; each unreachable host with its reason; then a
 * compact table of the figures that differ from host to host.
 */
export function statusText(status: FleetStatus): string {
  const s = status.summary;
  const up = status.hosts.filter((r) => r.reachable);
  const lines = [`fleet_status: ${s.total} hosts, ${s.reachable} reachable, ${s.installed} with PicoClaw (${seconds(s.duration_ms)})`];
  lines.push(...shared(up, "picoclaw", (r) => (r.picoclaw.installed ? r.picoclaw.version ?? "installed (version unknown)" : "missing")));
  lines.push(...shared(up, "arch", (r) => r.arch));
  lines.push(...shared(status.hosts.filter((r) => r.transport === "local"), "transport", () => "local"));
  const labelled = status.hosts.flatMap((r) => r.labels.map((label) => ({ name: r.name, label })));
  lines.push(...bucket(labelled, (l) => l.name, (l) => l.label).map((b) => `label ${b.key}: ${b.hosts_compact}`));
  for (const r of status.hosts.filter((h) => !h.reachable)) lines.push(`unreachable ${r.name} (${r.host}): ${oneLine(r.error ?? "no reason given")}`);
  for (const r of status.hosts.filter((h) => h.warning)) lines.push(`warning ${r.name}: ${oneLine(r.warning!)}`);
  if (up.length) {
    lines.push("host load1/cpus mem_free_mb disk_free_mb temp_c latency_ms tasks_running");
    for (const r of up) {
      const l = r.load;
      lines.push(`${r.name} ${fig(l.load1)}/${fig(l.cpus)} ${fig(l.mem_available_mb)} ${fig(l.disk_free_mb)} ${fig(l.temp_c)} ${fig(r.latency_ms)} ${fig(l.tasks_running)}`);
    }
  }
  return lines.join("\n");
}
