import type { Deps } from "../deps.js";
import type { DeployResult } from "./deploy.js";
import { confirmQuestion } from "./confirm.js";
import { releaseFor, survey, type Plan, type PlanHost } from "./plan.js";
import type { TeardownRow } from "./teardown.js";

/** A plan's host line as a row's reason: `plan: deploy, then run by …`. */
export function planReason(h: PlanHost): string {
  return `plan: ${h.action}${h.refused_by ? ` by ${h.refused_by}` : ""}${h.error ? ` (${h.error})` : ""}${h.batch ? `, batch ${h.batch}` : ""}`;
}

/**
 * deploy_host's dry run: the policy's verdict, the probe, and the release it would take for the
 * host's arch; `action` is what would happen (a host it would not deploy to says why in `warning`).
 */
export async function planDeploy(deps: Deps, input: { host: string; version?: string | undefined; force?: boolean | undefined }, signal?: AbortSignal): Promise<DeployResult & { plan: Plan }> {
  const host = deps.fleet.host(input.host);
  const { rows, probes, refused } = await survey(deps, "deploy_host", [host], { explicit: true }, signal);
  const row = rows[0]!;
  const arch = probes.get(host.name)?.arch ?? host.arch ?? "";
  const release = row.reachable ? await releaseFor(deps, [arch], input.version, signal) : undefined;
  const target = release?.version ? { version: release.version, assets: release.assets ?? {} } : undefined;
  const action = !target ? "unchanged" : row.picoclaw === "missing" ? "installed" : row.picoclaw === target.version && !input.force ? "unchanged" : "upgraded";
  if (row.action === "reachable") row.action = target ? (action === "unchanged" ? "unchanged" : action === "installed" ? "install" : "upgrade") : "unknown: the release could not be resolved";
  const why = refused ?? (row.error ? `unreachable: ${row.error}` : release?.error);
  const plan: Plan = { tool: "deploy_host", selected_by: "named in host", hosts: [row], ...(release ? { release } : {}), ...(refused ? { refused } : {}) };
  return {
    host: host.name,
    version: target?.version ?? "",
    arch,
    asset: target?.assets[arch] ?? "",
    sha256: "",
    path: "~/.local/bin/picoclaw",
    onboarded: false,
    action,
    duration_ms: 0,
    ...(why ? { warning: `plan: nothing would be deployed: ${why}` } : {}),
    plan,
  };
}

/** teardown's dry run: each host's verdict, and whether PicoClaw is there to remove. */
export async function planTeardown(deps: Deps, hosts: string[], purge: boolean, signal?: AbortSignal): Promise<{ results: TeardownRow[]; plan: Plan }> {
  const selected = deps.fleet.select({ hosts });
  const { rows, refused } = await survey(deps, "teardown", selected, { explicit: true }, signal);
  for (const r of rows.filter((x) => x.action === "reachable")) r.action = r.picoclaw === "missing" ? (purge ? "purge the workspace (no PicoClaw binary there)" : "nothing to remove") : purge ? "remove PicoClaw and purge its workspace" : "remove PicoClaw";
  const question = refused ? undefined : confirmQuestion(deps, "teardown", rows.map((r) => r.host));
  const plan: Plan = { tool: "teardown", selected_by: "named in hosts", hosts: rows, ...(question ? { confirm: question } : {}), ...(refused ? { refused } : {}) };
  return { results: rows.map((r) => ({ host: r.host, status: "skipped", removed: [], error: planReason(r) })), plan };
}
