import { App, applyDocumentTheme, applyHostStyleVariables, type McpUiHostContext } from "@modelcontextprotocol/ext-apps";
import { summarise, type FleetRun } from "../dashboard/run-types.js";
import { groupResults } from "../results/group.js";
import type { HostResult } from "../tasks/host-result.js";
import { classify, type FleetView } from "./view.js";

/** How often running rows are asked after (task_status), and how many per round. */
const FOLLOW_EVERY_MS = 4000;
const FOLLOW_BATCH = 32;

function theme(ctx: McpUiHostContext | undefined): void {
  if (ctx?.theme) applyDocumentTheme(ctx.theme);
  if (ctx?.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
}

/**
 * Follows a run's `running` rows through the host (`task_status`, when the host lets the page call
 * this server's tools) until none is left, so a fan-out that returned at wait_s completes on screen.
 */
async function follow(app: App, view: FleetView, run: FleetRun): Promise<void> {
  const rows = new Map(run.results.map((r) => [r.task_id, r]));
  for (;;) {
    const running = [...rows.values()].filter((r) => r.status === "running").slice(0, FOLLOW_BATCH);
    if (!running.length) return;
    await new Promise((r) => setTimeout(r, FOLLOW_EVERY_MS));
    for (const row of running) {
      const res = await app.callServerTool({ name: "task_status", arguments: { task_id: row.task_id } }).catch(() => undefined);
      const next = res && !res.isError ? (res.structuredContent as HostResult | undefined) : undefined;
      if (next?.task_id) rows.set(next.task_id, next);
    }
    const results = [...rows.values()];
    const took = Math.max(...results.map((r) => r.duration_ms), run.summary.duration_ms);
    view.show({ kind: "run", value: { ...run, results, groups: groupResults(results), summary: summarise(results, took) } });
  }
}

/**
 * The page inside an MCP host (the MCP Apps extension): ext-apps' App speaks the host's postMessage
 * protocol; the tool's input says what is coming, its result is drawn, and the host's theme applies.
 */
export async function connectHost(view: FleetView): Promise<void> {
  const app = new App({ name: "picoclaw-fleet", version: "1" }, {});
  let started = Date.now();
  let input: Record<string, unknown> = {};
  app.ontoolinput = (params) => {
    [started, input] = [Date.now(), params.arguments ?? {}];
    view.say("working…");
  };
  app.ontoolresult = (result) => {
    const shown = classify(result.structuredContent, started, input);
    const text = result.content?.find((c) => c.type === "text");
    view.say(result.isError ? `✗ ${text && "text" in text ? text.text : "the tool failed"}` : "");
    view.show(shown);
    if (shown.kind === "run" && app.getHostCapabilities()?.serverTools) void follow(app, view, shown.value);
  };
  app.onhostcontextchanged = theme;
  view.say("waiting for the tool result…");
  await app.connect();
  theme(app.getHostContext());
}
