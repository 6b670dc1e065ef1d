import type { Deps } from "../deps.js";
import { startDashboard } from "../dashboard/http-server.js";
import { readFleetPage } from "../fleet-page.js";
import { intOption } from "./args.js";
import type { Parsed } from "./verbs.js";

/**
 * `dashboard [--port N] [--interval S]`: serves the fleet page on 127.0.0.1 with a live feed, prints
 * its URL (with the token that opens it) and runs until Ctrl-C or SIGTERM, then closes every stream
 * and SSH connection and exits 0.
 */
export async function dashboardCommand(deps: Deps, p: Parsed): Promise<number> {
  const port = intOption("port", p.port, 0, 65_535);
  const interval = intOption("interval", p.interval, 1, 3600) ?? 10;
  const dashboard = await startDashboard(deps, { page: await readFleetPage(), ...(port !== undefined ? { port } : {}), times: { probeMs: interval * 1000 } });
  process.stdout.write(`${dashboard.url}\n`);
  process.stderr.write(`picoclaw-fleet dashboard: open the URL above (it holds the page's token); hosts probed every ${interval} s; Ctrl-C stops it\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  process.stderr.write(`\n${signal}: stopping the dashboard\n`);
  await dashboard.close();
  return 0;
}
