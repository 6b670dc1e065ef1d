import type { Deps } from "../deps.js";
import { fleetStatus } from "./status.js";

/**
 * `host: "auto"`: among reachable hosts with PicoClaw installed, the least loaded, scored as
 * load1 / cpus plus the PicoClaw tasks already running there (load1 trails by a minute; a task
 * started a second ago already counts); else the first reachable host (PicoClaw gets deployed
 * there). `among`: the candidates the policy allows (default every host). Throws when none is reachable.
 */
export async function pickHost(deps: Deps, labels: string[] | undefined, signal?: AbortSignal, among?: string[]): Promise<string> {
  const status = await fleetStatus(deps, { labels, hosts: among }, signal ? { signal } : {});
  const reachable = status.hosts.filter((h) => h.reachable);
  const load = (h: (typeof reachable)[number]) => (h.load.load1 ?? 0) / Math.max(1, h.load.cpus ?? 1) + (h.load.tasks_running ?? 0);
  const ready = reachable.filter((h) => h.picoclaw.installed).sort((a, b) => load(a) - load(b));
  const chosen = ready[0] ?? reachable[0];
  if (!chosen) {
    const why = status.hosts.map((h) => `${h.name}: ${h.error ?? "unreachable"}`).join("; ");
    throw new Error(`No reachable host${labels?.length ? ` with labels ${labels.join(", ")}` : ""} to run on (${why || "no hosts configured"}); see fleet_status`);
  }
  deps.logger.debug({ host: chosen.name, load: load(chosen) }, "auto picked host");
  return chosen.name;
}
