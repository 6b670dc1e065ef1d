import type { Deps } from "../deps.js";
import { teardown } from "../operations/teardown.js";
import { planTeardown } from "../operations/plan-hosts.js";
import { planText } from "../results/plan-text.js";
import { cliConfirm, interruptible, selectedHosts } from "./args.js";
import { ProgressBar } from "./progress.js";
import { paint, paintStatus, renderTable, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

/**
 * `teardown <host…> [--purge [--force]] [--json]`: PicoClaw removed from every host at once, a progress bar
 * on stderr, then a row per host saying what was removed. Exit 1 when any host failed or was
 * unreachable.
 */
export async function teardownCommand(deps: Deps, p: Parsed): Promise<number> {
  const hosts = selectedHosts(deps, p, "teardown <host…> [--purge [--force]] [--plan] [--json]");
  if (p.plan) {
    const planned = await planTeardown(deps, hosts, Boolean(p.purge));
    writeOutput(p.json, planned, () => planText(planned.plan));
    return 0;
  }
  const bar = new ProgressBar("tearing down", hosts.length);
  const ac = interruptible("stopping the teardown");
  const out = await teardown(deps, hosts, { purge: Boolean(p.purge), force: Boolean(p.force) }, { signal: ac.signal, confirm: cliConfirm(p), onHost: (row, done) => bar.tick(done, row.status !== "succeeded", row.host) });
  bar.end();
  p.report?.(out);
  writeOutput(p.json, out, () => {
    const c = paint(process.stdout);
    const rows = out.results.map((r) => [
      r.host,
      paintStatus(c, r.status),
      r.error ?? (r.removed.length ? r.removed.join(", ") : c.dim("nothing installed")),
    ]);
    const ok = out.results.filter((r) => r.status === "succeeded").length;
    return `${renderTable(["HOST", "STATUS", "REMOVED"], rows)}\n\n${ok}/${out.results.length} torn down`;
  });
  return out.results.every((r) => r.status === "succeeded") ? 0 : 1;
}
