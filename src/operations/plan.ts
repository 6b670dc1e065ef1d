import { ARCHES, type Arch, type HostConfig, type PolicyTool } from "../config/schema.js";
import type { Deps } from "../deps.js";
import { resolveRelease } from "../picoclaw/release.js";
import { foldHosts } from "../results/node-set.js";
import { confirmQuestion } from "./confirm.js";
import { policyVerdicts, type PolicyScope } from "./policy.js";
import { planRollout, type Brakes } from "./rollout.js";
import { fleetStatus, type HostStatus } from "./status.js";

/** What a dry run says would happen on one host. */
export interface PlanHost {
  host: string;
  /** run, deploy then run, install, upgrade, unchanged, remove, nothing to remove, refused, unreachable, fail (PicoClaw missing, deploy: false); `reachable` while the caller has not decided. */
  action: string;
  /** Whether the read-only probe reached it (null: not probed, the policy refuses it). */
  reachable: boolean | null;
  /** The PicoClaw version installed there now, "missing", or null when not probed. */
  picoclaw: string | null;
  refused_by?: string;
  error?: string;
  /** The batch it would run in, 1-based. */
  batch?: number;
}

/** A dry run (`plan: true`): what a call would do, found with the read-only fleet_status probe alone. */
export interface Plan {
  tool: string;
  /** How the hosts were chosen: named, labels, every host, a retry. */
  selected_by: string;
  hosts: PlanHost[];
  /** The release a deploy would install, per arch; or why it could not be resolved. */
  release?: { version?: string; assets?: Record<string, string>; error?: string };
  /** Each batch's hosts in node-range form, in order (the first is the canaries when `canary` is set). */
  batches?: string[];
  canary?: number;
  max_failures?: number | null;
  /** The question policy.confirm_above would ask the person first. */
  confirm?: string;
  /** Set when the call would be refused as a whole (a named host the policy refuses). */
  refused?: string;
}

/** The policy's verdict on each host, and the probe of the ones it allows; nothing but the probe reaches a host. */
export async function survey(deps: Deps, tool: PolicyTool, hosts: HostConfig[], scope: PolicyScope, signal?: AbortSignal): Promise<{ rows: PlanHost[]; probes: Map<string, HostStatus>; refused?: string }> {
  const verdicts = policyVerdicts(deps.config, tool, hosts, scope);
  const allowed = verdicts.filter((v) => !v.refused_by).map((v) => v.host.name);
  const status = allowed.length ? await fleetStatus(deps, { hosts: allowed }, signal ? { signal } : {}) : { hosts: [] };
  const probes = new Map(status.hosts.map((s) => [s.name, s]));
  const rows = verdicts.map(({ host, refused_by }): PlanHost => {
    if (refused_by) return { host: host.name, action: "refused", reachable: null, picoclaw: null, refused_by };
    const p = probes.get(host.name)!;
    const picoclaw = p.reachable ? (p.picoclaw.installed ? p.picoclaw.version ?? "installed" : "missing") : null;
    return { host: host.name, action: p.reachable ? "reachable" : "unreachable", reachable: p.reachable, picoclaw, ...(p.error ? { error: p.error } : {}) };
  });
  const out = verdicts.filter((v) => v.refused_by);
  // Named hosts are all-or-nothing; an implicit selection is refused only when the policy leaves none.
  const whole = out.length > 0 && (scope.explicit || out.length === hosts.length);
  const refused = whole ? `refused as a whole: ${foldHosts(out.map((v) => v.host.name))} ${out.length === 1 ? "is" : "are"} refused by ${out[0]!.refused_by}` : undefined;
  return { rows, probes, ...(refused ? { refused } : {}) };
}

/** The release a deploy would take for each arch, resolved from the release source (no host is asked). */
export async function releaseFor(deps: Deps, arches: string[], version?: string, signal?: AbortSignal): Promise<Plan["release"]> {
  const known = [...new Set(arches)].filter((a): a is Arch => (ARCHES as readonly string[]).includes(a));
  if (!known.length) return undefined;
  try {
    const assets = await Promise.all(known.map((arch) => resolveRelease({ repo: deps.config.release.repo, apiUrl: deps.config.release.api_url }, version ?? deps.config.release.version, arch, signal)));
    return { version: assets[0]!.version, assets: Object.fromEntries(assets.map((a) => [a.arch, a.asset])) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** What a PicoClaw run would need on one host. */
export interface RunPlanInput {
  tool: "fanout" | "dispatch_task" | "run_command";
  hosts: HostConfig[];
  selected_by: string;
  explicit: boolean;
  teardown?: boolean | undefined;
  deploy?: boolean | undefined;
  brakes?: Brakes | undefined;
}

/** The dry run of dispatch_task, fanout or run_command: who runs, who would get PicoClaw first, who is refused or unreachable, the batches. */
export async function planRun(deps: Deps, input: RunPlanInput, signal?: AbortSignal): Promise<Plan> {
  const { rows, probes, refused } = await survey(deps, input.tool, input.hosts, { explicit: input.explicit, teardown: input.teardown }, signal);
  // A shell command needs no PicoClaw: nothing to deploy for it.
  const command = input.tool === "run_command";
  const missing = command ? [] : rows.filter((r) => r.picoclaw === "missing");
  for (const r of rows.filter((x) => x.action === "reachable")) r.action = command || r.picoclaw !== "missing" ? "run" : input.deploy === false ? "fail: PicoClaw missing (deploy: false)" : "deploy, then run";
  const release = input.deploy === false || command ? undefined : await releaseFor(deps, missing.map((r) => probes.get(r.host)?.arch ?? ""), undefined, signal);
  const runnable = rows.filter((r) => r.action !== "refused");
  const rollout = planRollout(runnable.length, input.brakes ?? {});
  rollout.batches.forEach((b, k) => b.forEach((i) => (runnable[i]!.batch = k + 1)));
  const question = refused ? undefined : confirmQuestion(deps, input.tool, runnable.map((r) => r.host));
  return {
    tool: input.tool,
    selected_by: input.selected_by,
    hosts: rows,
    ...(release ? { release } : {}),
    batches: rollout.batches.map((b) => foldHosts(b.map((i) => runnable[i]!.host))),
    canary: rollout.canary,
    max_failures: rollout.maxFailures,
    ...(question ? { confirm: question } : {}),
    ...(refused ? { refused } : {}),
  };
}
