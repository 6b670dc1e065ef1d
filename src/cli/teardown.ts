import type { Deps } from "../deps.js";
import { teardown } from "../operations/teardown.js";
import { interruptible } from "./args.js";
import { selectedHosts } from "./deploy.js";
import { ProgressBar } from "./progress.js";
import { paint, renderTable } from "./table.js";
import type { Parsed } from "./verbs.js";

/**
 * `teardown <host…> [--purge] [--json]`: PicoClaw removed from every host at once, a progress bar
 * on stderr, then a row per host saying what was removed. Exit 1 when any host failed or was
 * unreachable.
 */
export async function teardownCommand(deps: Deps, p: Parsed): Promise<number> {
  const hosts = selectedHosts(deps, p, "teardown <host…> [--purge] [--json]");
  const bar = new ProgressBar("tearing down", hosts.length);
  const ac = interruptible("stopping the teardown");
  const out = await teardown(deps, hosts, Boolean(p.purge), ac.signal, (row, done) => bar.tick(done, row.status !== "succeeded", row.host));
  bar.end();
  if (p.json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const c = paint(process.stdout);
    const rows = out.results.map((r) => [
      r.host,
      r.status === "succeeded" ? c.green(r.status) : c.red(r.status),
      r.error ?? (r.removed.length ? r.removed.join(", ") : c.dim("nothing installed")),
    ]);
    const ok = out.results.filter((r) => r.status === "succeeded").length;
    process.stdout.write(`${renderTable(["HOST", "STATUS", "REMOVED"], rows)}\n\n${ok}/${out.results.length} torn down\n`);
  }
  return out.results.every((r) => r.status === "succeeded") ? 0 : 1;
}
