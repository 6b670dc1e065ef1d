import type { Deps } from "../deps.js";
import { fanout, type FanoutInput, type FanoutResult } from "../operations/fanout.js";
import type { Brakes } from "../operations/rollout.js";
import { planText } from "../results/plan-text.js";
import { cliConfirm, interruptible, intOption } from "./args.js";
import { checkedTask, runOptions, STATUS_EXIT } from "./dispatch.js";
import { ProgressBar } from "./progress.js";
import { paint, paintStatus, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

/** `--batch 10% --max-failures 2 --canary 1`: a count stays a number, a percentage a string, as the tools take them. */
function brakes(p: Parsed): Brakes {
  const countOrPercent = (name: string, value: unknown, min: number) => (typeof value === "string" && value.endsWith("%") ? value : intOption(name, value, min, 1000));
  return {
    batch: countOrPercent("batch", p.batch, 1),
    max_failures: countOrPercent("max-failures", p["max-failures"], 0),
    canary: intOption("canary", p.canary, 1, 1000),
  };
}

/** As clush -b and dshbak -c print it: each distinct outcome once, under its hosts in node-range form. */
function groupsText(out: FanoutResult): string {
  const c = paint(process.stdout);
  const rows = new Map(out.results.map((r) => [r.host, r]));
  const blocks = out.groups.map((g) => {
    const head = `---------------- ${g.hosts_compact} (${g.count}) ${paintStatus(c, g.status)} ----------------`;
    const failed = g.hosts.map((h) => rows.get(h)!).filter((r) => r.status !== "succeeded" && r.status !== "skipped");
    const detail = g.status === "succeeded" ? g.reply : [g.error ?? "", ...failed.map((r) => c.dim(`${r.host}: picoclaw-fleet logs ${r.task_id}`))].filter(Boolean).join("\n");
    return `${head}\n${detail}`;
  });
  const s = out.summary;
  const retry = s.failed + s.timed_out + s.unreachable ? `\nRerun the failed hosts: picoclaw-fleet retry ${out.fanout_id}` : "";
  const id = `${out.fanout_id}${out.retry_of ? ` (retry of ${out.retry_of})` : ""}`;
  return `${blocks.join("\n")}\n\n${id}: ${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.timed_out} timed out, ${s.unreachable} unreachable${s.skipped ? `, ${s.skipped} skipped` : ""}${s.running ? `, ${s.running} still running` : ""} (${s.duration_ms < 1000 ? `${s.duration_ms} ms` : `${(s.duration_ms / 1000).toFixed(1)} s`})${retry}`;
}

/** Runs a fan-out (or a run) for a person: the progress bar names the batch under way; a plan prints what would happen. */
export async function runFanout(deps: Deps, p: Parsed, input: FanoutInput, total: number, label = "fan-out"): Promise<number> {
  const bar = new ProgressBar(label, total);
  const ac = interruptible("killing the remote tasks");
  const out = await fanout(deps, { ...input, ...brakes(p), plan: Boolean(p.plan) }, {
    signal: ac.signal,
    confirm: cliConfirm(p),
    onResult: (r, done) => bar.tick(done, r.status !== "succeeded", `${r.host}: ${r.status}`),
    onBatch: (k, n) => n > 1 && bar.stage(`batch ${k + 1}/${n}`),
  });
  bar.end();
  p.report?.(out);
  if (out.plan) {
    writeOutput(p.json, out, () => planText(out.plan!));
    return 0;
  }
  writeOutput(p.json, out, () => groupsText(out));
  return out.results.every((r) => STATUS_EXIT[r.status] === 0) ? 0 : 1;
}

/** `fanout "<task>" [--hosts a,b | --labels x] [--batch N|N%] [--max-failures N|N%] [--canary N] [--plan]`. */
export async function fanoutCommand(deps: Deps, p: Parsed): Promise<number> {
  const [task] = p.args;
  if (task === undefined) throw new Error('Usage: picoclaw-fleet fanout "<task>" [--hosts a,b | --labels x] [--timeout S] [--batch N|N%] [--max-failures N|N%] [--canary N] [--plan]');
  const total = deps.fleet.select({ hosts: p.hostsList, labels: p.labelsList }).length;
  const input = { task: checkedTask(task), hosts: p.hostsList, labels: p.labelsList, concurrency: intOption("concurrency", p.concurrency, 1, 1024), ...runOptions(p) };
  return runFanout(deps, p, input, total);
}

/** `retry <fanout_id>`: the failed, timed-out and unreachable hosts of that fan-out, again, with its options unless given anew. */
export async function retryCommand(deps: Deps, p: Parsed): Promise<number> {
  const [id] = p.args;
  if (!id) throw new Error("Usage: picoclaw-fleet retry <fanout_id> [--batch N|N%] [--max-failures N|N%] [--canary N] [--plan]");
  const record = deps.fanouts.get(id);
  const given = runOptions(p);
  const input: FanoutInput = {
    retry: id,
    timeout_s: given.timeout_s,
    wait_s: given.wait_s,
    ...(p.teardown ? { teardown: true } : {}),
    ...(p["no-deploy"] ? { deploy: false } : {}),
    concurrency: intOption("concurrency", p.concurrency, 1, 1024),
  };
  return runFanout(deps, p, input, record.jobs.length);
}
