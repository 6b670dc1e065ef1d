import PQueue from "p-queue";
import { createActivity } from "../claw/activity.js";
import type { Deps } from "../deps.js";
import { ownSignal } from "../fleet/exec-session.js";
import { apiKeyFor, deployHost, type DeployResult } from "../operations/deploy.js";
import { planDeploy } from "../operations/plan-hosts.js";
import { planText } from "../results/plan-text.js";
import { interruptible, selectedHosts } from "./args.js";
import { ProgressBar } from "./progress.js";
import { paint, renderTable, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

/** One host's outcome of `deploy`: the tool's result when it worked, the reason when not. */
export type DeployRow = { host: string; status: "succeeded" | "failed" | "cancelled"; error?: string } & Partial<Omit<DeployResult, "host">>;

/**
 * `deploy <host…> [--version v] [--force] [--json]`: deployHost on every host at once (bounded by
 * `defaults.concurrency`), one archive download per arch, a progress bar on stderr, then a table
 * or JSON. Exit 1 when any host failed, 130 when interrupted.
 */
export async function deployCommand(deps: Deps, p: Parsed): Promise<number> {
  const hosts = selectedHosts(deps, p, "deploy <host…> [--version v] [--force] [--plan] [--json]");
  if (p.plan) {
    const plans = await Promise.all(hosts.map((host) => planDeploy(deps, { host, version: p.version as string | undefined, force: Boolean(p.force) })));
    p.report?.({ results: plans.map((d) => ({ host: d.host, status: "plan" })) });
    writeOutput(p.json, { results: plans }, () => plans.map((d) => planText(d.plan)).join("\n\n"));
    return 0;
  }
  apiKeyFor(deps); // a missing key env var stops here, before any host is touched
  const version = typeof p.version === "string" ? p.version : undefined;
  const started = Date.now();
  const bar = new ProgressBar("deploying", hosts.length);
  const leds = createActivity(deps);
  leds.start(hosts.length);
  const ac = interruptible("undoing unfinished deploys");
  const queue = new PQueue({ concurrency: deps.config.defaults.concurrency });
  let done = 0;
  const deployOne = async (host: string): Promise<DeployRow> => {
    try {
      // Each host its own signal: every deploy listens on it in several places, 20 hosts on one would pass Node's 10.
      const result = await deployHost(deps, { host, version, force: Boolean(p.force), activity: false }, { signal: ownSignal(ac.signal), progress: (_n, _t, note) => bar.tick(done, false, note ?? "") });
      return { ...result, status: "succeeded" };
    } catch (err) {
      return { host, status: ac.signal.aborted ? "cancelled" : "failed", error: err instanceof Error ? err.message : String(err) };
    }
  };
  const results = await Promise.all(
    hosts.map((host) =>
      queue.add(async () => {
        const row = await deployOne(host);
        leds.hostDone(row.status);
        bar.tick(++done, row.status !== "succeeded", `${host} ${row.action ?? row.status}`);
        return row;
      }),
    ),
  );
  bar.end();
  await leds.finish();
  const rows = results as DeployRow[];
  const ok = rows.filter((r) => r.status === "succeeded").length;
  const summary = { total: rows.length, succeeded: ok, failed: rows.length - ok, duration_ms: Date.now() - started };
  p.report?.({ results: rows });
  writeOutput(p.json, { results: rows, summary }, () => `${deployTable(rows)}\n\n${ok}/${rows.length} deployed (${(summary.duration_ms / 1000).toFixed(1)} s)`);
  if (ac.signal.aborted) return 130;
  return ok === rows.length ? 0 : 1;
}

function deployTable(rows: DeployRow[]): string {
  const c = paint(process.stdout);
  const body = rows.map((r) => {
    const result = r.status !== "succeeded" ? c.red(r.status) : r.action === "unchanged" ? c.dim(r.action) : c.green(r.action ?? "");
    const from = r.previous_version ? ` (was ${r.previous_version}${r.downgraded ? ", downgrade" : ""})` : "";
    const details = r.error ?? `${r.path ?? ""}${from}${r.warning ? c.yellow(` ! ${r.warning}`) : ""}`;
    const time = r.duration_ms === undefined ? "-" : `${(r.duration_ms / 1000).toFixed(1)} s`;
    return [r.host, result, r.version ?? "-", r.arch ?? "-", r.sha256 ? r.sha256.slice(0, 12) : "-", time, details];
  });
  return renderTable(["HOST", "RESULT", "VERSION", "ARCH", "SHA256", "TIME", "DETAILS"], body);
}
