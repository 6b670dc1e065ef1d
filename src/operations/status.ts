import PQueue from "p-queue";
import type { HostConfig } from "../config/schema.js";
import type { Deps } from "../deps.js";
import type { HostSelection } from "../fleet/fleet.js";
import { archFromUname } from "../picoclaw/assets.js";
import { parseVersionOutput } from "../picoclaw/version.js";
import { parseProbe, PROBE_SCRIPT } from "./probe.js";
import { FleetError } from "../fleet/types.js";

/** One host's row of `fleet_status`. */
export interface HostStatus {
  name: string;
  host: string;
  transport: "ssh" | "local";
  labels: string[];
  reachable: boolean;
  latency_ms: number | null;
  arch: string | null;
  picoclaw: { installed: boolean; version: string | null; path: string | null };
  load: { load1: number | null; cpus: number | null; mem_available_mb: number | null; disk_free_mb: number | null; temp_c: number | null; tasks_running: number | null };
  /** Why the host could not be probed (kind first: `refused: …`). */
  error?: string;
  /** Something worth fixing that did not stop the probe (an arch that disagrees with the config). */
  warning?: string;
}

export interface FleetStatus {
  hosts: HostStatus[];
  summary: { total: number; reachable: number; installed: number; duration_ms: number };
}

/** Seconds a reachable host gets to answer the probe once connected. */
const PROBE_TIMEOUT_MS = 10_000;

/** How a host is shown: `user@host:port` for SSH, `localhost` for the local transport. */
function displayAddress(deps: Deps, host: HostConfig): string {
  if (host.transport === "local") return "localhost";
  try {
    const t = deps.fleet.target(host);
    return `${t.user}@${t.host}${t.port === 22 ? "" : `:${t.port}`}`;
  } catch {
    return host.host ?? host.name;
  }
}

function emptyRow(deps: Deps, host: HostConfig): HostStatus {
  return {
    name: host.name,
    host: displayAddress(deps, host),
    transport: host.transport,
    labels: host.labels,
    reachable: false,
    latency_ms: null,
    arch: host.arch ?? null,
    picoclaw: { installed: false, version: null, path: null },
    load: { load1: null, cpus: null, mem_available_mb: null, disk_free_mb: null, temp_c: null, tasks_running: null },
  };
}

/** Probes one host with one round trip; never throws: a failure is the row's `error`. */
export async function probeHost(deps: Deps, host: HostConfig, signal?: AbortSignal): Promise<HostStatus> {
  const row = emptyRow(deps, host);
  const deadline = deps.config.ssh.connect_timeout_s * 1000 + PROBE_TIMEOUT_MS;
  let result;
  try {
    result = await deps.fleet.transport(host.name).exec(PROBE_SCRIPT, { timeoutMs: deadline, ...(signal ? { signal } : {}), maxOutputBytes: 64 * 1024 });
  } catch (err) {
    row.error = err instanceof FleetError ? `${err.kind}: ${err.message}` : String(err);
    return row;
  }
  if (result.failure) {
    row.error = `${result.failure.kind}: ${result.failure.message}`;
    return row;
  }
  const facts = parseProbe(result.stdout);
  row.reachable = true;
  row.latency_ms = result.durationMs;
  const detected = facts.machine ? archFromUname(facts.machine) : undefined;
  row.arch = detected ?? facts.machine ?? host.arch ?? null;
  if (host.arch && detected && host.arch !== detected) {
    row.warning = `config says arch ${host.arch} but uname -m says ${facts.machine} (${detected}); fix "arch" for ${host.name}`;
  }
  const version = facts.versionLine ? parseVersionOutput(facts.versionLine) : null;
  row.picoclaw = { installed: facts.picoclawPath !== null, version: version?.version ?? null, path: facts.picoclawPath };
  row.load = { load1: facts.load1, cpus: facts.cpus, mem_available_mb: facts.memAvailableMb, disk_free_mb: facts.diskFreeMb, temp_c: facts.tempC, tasks_running: facts.tasksRunning };
  return row;
}

/**
 * `fleet_status`: every selected host probed in parallel (bounded by `defaults.concurrency`), each
 * within its own deadline, each a row; the call as a whole never fails because a host did.
 */
export async function fleetStatus(
  deps: Deps,
  selection: HostSelection = {},
  options: { signal?: AbortSignal; onHost?: (row: HostStatus, done: number, total: number) => void } = {},
): Promise<FleetStatus> {
  const started = Date.now();
  const hosts = deps.fleet.select(selection);
  const concurrency = deps.config.defaults.concurrency;
  const queue = new PQueue({ concurrency });
  let done = 0;
  const rows = await Promise.all(
    hosts.map((host) =>
      queue.add(async () => {
        const row = await probeHost(deps, host, options.signal);
        options.onHost?.(row, ++done, hosts.length);
        return row;
      }),
    ),
  );
  const final = rows as HostStatus[];
  return {
    hosts: final,
    summary: {
      total: final.length,
      reachable: final.filter((r) => r.reachable).length,
      installed: final.filter((r) => r.picoclaw.installed).length,
      duration_ms: Date.now() - started,
    },
  };
}
