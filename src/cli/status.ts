import type { Deps } from "../deps.js";
import { fleetStatus, type FleetStatus } from "../operations/status.js";
import { ProgressBar } from "./progress.js";
import { paint, renderTable, writeOutput } from "./table.js";

/** `picoclaw-fleet status`: the skill's fleet-status.sh table (name, host, SSH, PicoClaw, details). */
export async function statusCommand(deps: Deps, args: { json: boolean; hosts?: string[]; labels?: string[]; report?: ((value: unknown) => void) | undefined }): Promise<number> {
  const selection = { hosts: args.hosts, labels: args.labels };
  const total = deps.fleet.select(selection).length;
  const bar = new ProgressBar("probing", total);
  const status = await fleetStatus(deps, selection, { onHost: (row, done) => bar.tick(done, !row.reachable, row.name) });
  bar.end();
  args.report?.(status);
  writeOutput(args.json, status, () => statusTable(status));
  return 0;
}

/** The status as a table a person reads at a glance. */
function statusTable(status: FleetStatus): string {
  const c = paint(process.stdout);
  const rows = status.hosts.map((h) => {
    const ssh = h.reachable ? c.green(h.transport === "local" ? "local" : "ok") : c.red(h.error?.split(":")[0] ?? "down");
    const pico = h.picoclaw.installed ? c.green(h.picoclaw.version ? `v${h.picoclaw.version}` : "installed") : h.reachable ? c.yellow("missing") : "-";
    const details = h.reachable
      ? [
          h.arch,
          h.load.load1 !== null && h.load.cpus ? `load ${h.load.load1}/${h.load.cpus}` : null,
          h.load.mem_available_mb !== null ? `${h.load.mem_available_mb} MB free` : null,
          h.load.disk_free_mb !== null ? `disk ${(h.load.disk_free_mb / 1024).toFixed(1)} GB` : null,
          h.load.temp_c !== null ? `${h.load.temp_c}°C` : null,
          h.latency_ms !== null ? `${h.latency_ms} ms` : null,
          h.warning ? c.yellow(`! ${h.warning}`) : null,
        ]
          .filter(Boolean)
          .join(", ")
      : c.dim(h.error?.replace(/^[a-z_]+: /, "") ?? "");
    return [h.name, h.host, ssh, pico, details];
  });
  const s = status.summary;
  return `${renderTable(["NAME", "HOST", "SSH", "PICOCLAW", "DETAILS"], rows)}\n\n${s.reachable}/${s.total} reachable, ${s.installed} with PicoClaw (${s.duration_ms} ms)`;
}
