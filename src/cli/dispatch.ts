import type { Deps } from "../deps.js";
import { dispatch } from "../operations/dispatch.js";
import { planText } from "../results/plan-text.js";
import { taskText } from "../mcp/tools/shared-schemas.js";
import type { HostResult } from "../tasks/host-result.js";
import { cliConfirm, interruptible, intOption } from "./args.js";
import { paint, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

/** dispatch and fanout options from the command line, with a person's defaults (no 45 s wait). */
export function runOptions(p: Parsed) {
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

/** Exit status per row: 0 when the work is done or still going. */
export const STATUS_EXIT: Record<HostResult["status"], number> = { succeeded: 0, running: 0, failed: 1, timed_out: 1, unreachable: 1, cancelled: 1, skipped: 1 };

/** `dispatch <host|auto> "<task>"`: the reply on stdout, the outcome on stderr. */
export async function dispatchCommand(deps: Deps, p: Parsed): Promise<number> {
  const [host, task] = p.args;
  if (!host || task === undefined) throw new Error('Usage: picoclaw-fleet dispatch <host|auto> "<task>" [--timeout S] [--teardown]');
  const ac = interruptible("killing the remote tasks");
  const result = await dispatch(deps, { task: checkedTask(task), host, labels: p.labelsList, plan: Boolean(p.plan), ...runOptions(p) }, { signal: ac.signal, confirm: cliConfirm(p) });
  p.report?.(result);
  if (result.plan) {
    writeOutput(p.json, result, () => planText(result.plan!));
    return 0;
  }
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
