import { connectHost } from "./host-feed.js";
import { connectDashboard } from "./sse-feed.js";
import { FleetView } from "./view.js";

/*
 * The fleet page: one HTML file (scripts/build-app.mjs inlines this bundle and page.css into
 * page.html). In a frame it is an MCP App fed by the host; at the top of a tab it is the dashboard,
 * fed over server-sent events. Both draw the same components.
 */
const view = new FleetView(document.getElementById("app")!);
if (window.parent !== window) {
  connectHost(view).catch((err: unknown) => view.say(`✗ could not talk to the host: ${String(err)}`));
} else {
  document.documentElement.dataset.mode = "dashboard";
  connectDashboard(view);
}
