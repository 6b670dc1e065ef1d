import type { Deps } from "../deps.js";
import { dispatch } from "../operations/dispatch.js";
import { fanout, type FanoutResult } from "../operations/fanout.js";
import { taskText } from "../mcp/tools/shared-schemas.js";
import type { HostResult } from "../tasks/host-result.js";
import { interruptible, intOption } from "./args.js";
import { ProgressBar } from "./progress.js";
import { paint, paintStatus, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

function runOptions(p: Parsed) {
  return {
    timeout_s: intOption("timeout", p.timeout, 1, 86_400),
    // A person at a terminal can wait: the MCP 45 s limit does not apply unless asked for.
    wait_s: intOption("wait", p.wait, 0, 86_400) ?? 86_400,
    teardown: Boolean(p.teardown),
    deploy: !p["no-deploy"],
    session: p.session as string | undefined,
    model: p.model as string | undefined,
  };
}

/** The task as the tools take it (one argv element on the host: no NUL, at most 128 KiB), or an error saying why not. */
export function checkedTask(task: string): string {
  const parsed = taskText.safeParse(task);
  if (!parsed.success) throw new Error(`The task: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return task;
}

const STATUS_EXIT: Record<HostResult["status"], number> = { succeeded: 0, running: 0, failed: 1, timed_out: 1, unreachable: 1, cancelled: 1 };

/** `dispatch <host|auto> "<task>"`: the reply on stdout, the outcome on stderr. */
export async function dispatchCommand(deps: Deps, p: Parsed): Promise<number> {
  const [host, task] = p.args;
  if (!host || task === undefined) throw new Error('Usage: picoclaw-fleet dispatch <host|auto> "<task>" [--timeout S] [--teardown]');
  const ac = interruptible("killing the remote tasks");
  const result = await dispatch(deps, { task: checkedTask(task), host, labels: p.labelsList, ...runOptions(p) }, { signal: ac.signal });
  if (p.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const c = paint(process.stderr);
    if (result.reply) process.stdout.write(`${result.reply}\n`);
    const note = result.status === "running" ? ` (follow it: picoclaw-fleet logs ${result.task_id})` : "";
    const line = `${result.host} ${result.task_id} ${result.status} in ${(result.duration_ms / 1000).toFixed(1)} s${note}`;
    process.stderr.write(`${result.status === "succeeded" ? c.green(line) : c.red(line)}${result.error ? `\n${result.error}` : ""}\n`);
  }
  return STATUS_EXIT[result.status];
}

/** `fanout "<task>" [--hosts a,b | --labels x]`: a progress bar, then each distinct outcome once with its hosts. */
export async function fanoutCommand(deps: Deps, p: Parsed): Promise<number> {
  const [task] = p.args;
  if (task === undefined) throw new Error('Usage: picoclaw-fleet fanout "<task>" [--hosts a,b | --labels x] [--timeout S]');
  return showFanout(deps, p, "fan-out", (ctx) =>
    fanout(deps, { task: checkedTask(task), hosts: p.hostsList, labels: p.labelsList, concurrency: intOption("concurrency", p.concurrency, 1, 1024), ...runOptions(p) }, ctx),
  );
}

/**
 * Runs a fan-out (fanout or run) with a progress bar on stderr, then prints it as clush -b and
 * dshbak -c do: each distinct outcome once, under its hosts in node-range form. Exit 1 unless
 * every host succeeded (or still runs).
 */
export async function showFanout(deps: Deps, p: Parsed, label: string, start: (ctx: { signal: AbortSignal; onResult: (r: HostResult, done: number) => void }) => Promise<FanoutResult>): Promise<number> {
  const total = deps.fleet.select({ hosts: p.hostsList, labels: p.labelsList }).length;
  const bar = new ProgressBar(label, total);
  const ac = interruptible("killing the remote tasks");
  const out = await start({ signal: ac.signal, onResult: (r, done) => bar.tick(done, r.status !== "succeeded", `${r.host}: ${r.status}`) });
  bar.end();
  writeOutput(p.json, out, () => {
    const c = paint(process.stdout);
    const rows = new Map(out.results.map((r) => [r.host, r]));
    const blocks = out.groups.map((g) => {
      const head = `---------------- ${g.hosts_compact} (${g.count}) ${paintStatus(c, g.status)} ----------------`;
      const failed = g.hosts.map((h) => rows.get(h)!).filter((r) => r.status !== "succeeded");
      const detail = g.status === "succeeded" ? g.reply : [g.error ?? "", ...failed.map((r) => c.dim(`${r.host}: picoclaw-fleet logs ${r.task_id}`))].filter(Boolean).join("\n");
      return `${head}\n${detail}`;
    });
    const s = out.summary;
    return `${blocks.join("\n")}\n\n${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.timed_out} timed out, ${s.unreachable} unreachable${s.running ? `, ${s.running} still running` : ""} (${(s.duration_ms / 1000).toFixed(1)} s)`;
  });
  return out.results.every((r) => STATUS_EXIT[r.status] === 0) ? 0 : 1;
}
