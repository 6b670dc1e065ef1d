import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY, registerAppResource } from "@modelcontextprotocol/ext-apps/server";
import { readFleetPage } from "../fleet-page.js";

/** The one page every app-enabled tool points at (`_meta.ui.resourceUri`): hosts, fan-outs, tasks and the LED strip. */
export const FLEET_APP_URI = "ui://picoclaw-fleet/fleet.html";

/**
 * A tool's `_meta` linking it to the page: `ui.resourceUri` as the spec names it, and the older flat
 * `ui/resourceUri` key that hosts from before it still read (what ext-apps' registerAppTool writes).
 */
export function appToolMeta(): Record<string, unknown> {
  return { ui: { resourceUri: FLEET_APP_URI }, [RESOURCE_URI_META_KEY]: FLEET_APP_URI };
}

/**
 * Registers the page as a `ui://` resource of MIME type `text/html;profile=mcp-app` (the MCP Apps
 * extension, io.modelcontextprotocol/ui). Its CSP asks the host for no network origin at all: the page
 * gets its data from the tool results the host hands it, and calls nothing but this server's tools.
 */
export function registerFleetApp(server: McpServer): void {
  registerAppResource(
    server,
    "PicoClaw fleet",
    FLEET_APP_URI,
    { description: "The fleet at a glance: hosts, fan-out groups, tasks and the Blinkt! LEDs, rendered from this server's tool results" },
    async () => ({
      contents: [
        {
          uri: FLEET_APP_URI,
          mimeType: RESOURCE_MIME_TYPE,
          text: await readFleetPage(),
          _meta: { ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } },
        },
      ],
    }),
  );
}
