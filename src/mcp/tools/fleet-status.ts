import { z } from "zod";
import { fleetStatus } from "../../operations/status.js";
import { defineTool } from "../tool.js";
import { statusText } from "../../results/status-text.js";
import { hostNames, labelList, orNull } from "./shared-schemas.js";

const hostRow = z.object({
  name: z.string(),
  host: z.string().describe("user@address:port, or localhost for the local host"),
  transport: z.enum(["ssh", "local"]),
  labels: z.array(z.string()),
  reachable: z.boolean(),
  latency_ms: orNull(z.number(), "Round trip of the probe, connection included when it was opened by this call; null when unreachable"),
  arch: orNull(z.string(), "amd64, arm64, … from uname -m (else the config's); null when unknown"),
  picoclaw: z.object({
    installed: z.boolean(),
    version: orNull(z.string(), "PicoClaw's version, e.g. 0.2.9; null when missing or unknown"),
    path: orNull(z.string(), "Where the binary is; null when missing"),
  }),
  load: z.object({
    load1: orNull(z.number(), "1-minute load average"),
    cpus: orNull(z.number(), "CPU count"),
    mem_available_mb: orNull(z.number(), "Available memory, MB"),
    disk_free_mb: orNull(z.number(), "Free disk in the home directory, MB"),
    temp_c: orNull(z.number(), "CPU temperature, °C; null where the host has no sensor"),
    tasks_running: orNull(z.number(), "PicoClaw tasks started by this server still running there"),
  }),
  error: z.string().optional().describe("Why the host could not be probed, kind first (refused, connect_timeout, auth, host_key, ...)"),
  warning: z.string().optional(),
});

/** `fleet_status`: one probe per host, in parallel, every host a row. */
export const fleetStatusTool = defineTool({
  name: "fleet_status",
  title: "Fleet status",
  description:
    "Probe fleet hosts over SSH in parallel: reachability, latency, CPU architecture, whether PicoClaw is installed (and its version), load, free memory and disk, temperature. One row per host; an unreachable host is a row with `error`, never a failure of the call. Use it before dispatching to see which hosts are ready.",
  input: {
    hosts: hostNames.optional().describe("Host names from the config; default: every host"),
    labels: labelList.optional().describe("Only hosts carrying all of these labels"),
  },
  output: {
    hosts: z.array(hostRow),
    summary: z.object({ total: z.number().int(), reachable: z.number().int(), installed: z.number().int(), duration_ms: z.number() }),
  },
  app: true,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  touchesHosts: true,
  text: statusText,
  async run(args, ctx) {
    const status = await fleetStatus(ctx.deps, { hosts: args.hosts, labels: args.labels }, {
      signal: ctx.signal,
      onHost: (row, done, total) => ctx.progress(done, total, `${row.name}: ${row.reachable ? "ok" : "unreachable"}`),
    });
    return status;
  },
});
