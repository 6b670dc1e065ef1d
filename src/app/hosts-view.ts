import type { FleetStatus, HostStatus } from "../operations/status.js";
import { bucket, hostNeutral } from "../results/group.js";
import { badge, clock, h, megabytes } from "./dom.js";

/** The reason a host is down, its own name taken out so that hosts failing alike read as one line. */
function downReason(row: HostStatus): string {
  return hostNeutral(row.error ?? "unreachable", row.name);
}

/** `refused` from `refused: connect ECONNREFUSED …`: the kind the probe put first. */
function reasonKind(row: HostStatus): string {
  return (row.error ?? "down").split(":")[0]!;
}

/** PicoClaw's version on a host as one word: `v0.2.9`, `installed`, `no PicoClaw`, or `?` when unreachable. */
function version(row: HostStatus): string {
  if (!row.reachable) return "";
  if (!row.picoclaw.installed) return "no PicoClaw";
  return row.picoclaw.version ? `v${row.picoclaw.version}` : "installed";
}

/** A reachable host's numbers in two short lines: load and temperature, then free memory and disk. */
function facts(row: HostStatus): string[] {
  const l = row.load;
  const join = (...parts: (string | null)[]) => parts.filter(Boolean).join(" · ");
  return [
    join(l.load1 !== null ? `load ${Math.round(l.load1 * 10) / 10}${l.cpus ? `/${l.cpus}` : ""}` : null, l.temp_c !== null ? `${l.temp_c}°C` : null, row.arch),
    join(l.mem_available_mb !== null ? `mem ${megabytes(l.mem_available_mb)}` : null, l.disk_free_mb !== null ? `disk ${megabytes(l.disk_free_mb)}` : null),
  ].filter(Boolean);
}

/** One host as a compact cell: name and state first, then version, load, memory, disk, temperature, labels. */
function cell(row: HostStatus): HTMLElement {
  const state = row.reachable ? "up" : "down";
  const title = [row.host, row.arch, row.latency_ms !== null ? `${row.latency_ms} ms` : null, row.error, row.warning].filter(Boolean).join("\n");
  return h(
    "li",
    { class: `host host-${state}${row.warning ? " host-warn" : ""}`, "data-host": row.name, "data-state": state, title },
    h("div", { class: "host-head" }, h("span", { class: `mark st-${state}`, "aria-label": state }, row.reachable ? "✓" : "✗"), h("b", {}, row.name), h("span", { class: "ver" }, version(row))),
    (row.reachable ? facts(row) : [`down: ${reasonKind(row)}`]).map((line) => h("div", { class: "host-facts" }, line)),
    row.warning ? h("div", { class: "warn" }, `⚠ ${row.warning}`) : null,
    row.labels.length ? h("div", { class: "labels" }, row.labels.join(", ")) : null,
  );
}

/** The versions across the fleet, most common first: `v0.2.9 ×15`, `no PicoClaw ×2`. */
function versions(rows: HostStatus[]): HTMLElement {
  const up = rows.filter((r) => r.reachable);
  return h("p", { class: "versions" }, "PicoClaw: ", bucket(up, (r) => r.name, version).map((b) => h("span", { class: "chip", title: b.hosts_compact }, `${b.key} ×${b.items.length}`)));
}

/** The down hosts, grouped by reason (hosts folded as host[01-20]), each with why. */
function downList(rows: HostStatus[]): HTMLElement | null {
  const down = rows.filter((r) => !r.reachable);
  if (!down.length) return null;
  return h(
    "ul",
    { class: "reasons", "aria-label": "Hosts down" },
    bucket(down, (r) => r.name, downReason).map((b) =>
      h("li", { "data-hosts": b.hosts.join(",") }, badge("down"), " ", h("b", {}, `${b.hosts_compact} (${b.items.length})`), ": ", h("span", { class: "reason" }, b.items.length === 1 ? b.items[0]!.error : b.key)),
    ),
  );
}

/**
 * `fleet_status` as a person reads it at 200 hosts: a summary line (up, down, with PicoClaw), the
 * version mix, the down hosts grouped by reason, then every host as a small cell, down ones first.
 */
export function hostsView(status: FleetStatus, filter: string, probedAt?: number): HTMLElement[] {
  const s = status.summary;
  const rows = status.hosts.filter((r) => !filter || `${r.name} ${r.labels.join(" ")}`.toLowerCase().includes(filter.toLowerCase()));
  const ordered = [...rows.filter((r) => !r.reachable), ...rows.filter((r) => r.reachable)];
  return [
    h(
      "p",
      { class: "summary", "data-testid": "hosts-summary" },
      badge("up", s.reachable),
      " ",
      badge("down", s.total - s.reachable),
      ` · ${s.installed} of ${s.total} with PicoClaw`,
      probedAt ? h("span", { class: "dim" }, ` · probed ${clock(probedAt)} in ${(s.duration_ms / 1000).toFixed(1)} s`) : null,
    ),
    versions(status.hosts),
    downList(status.hosts),
    h("ul", { class: "grid", "aria-label": "Hosts" }, ordered.map(cell)),
  ].filter((el): el is HTMLElement => el !== null);
}
