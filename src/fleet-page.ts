import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { installDir } from "./install-dir.js";

/** Where `npm run build` writes the fleet page (scripts/build-app.mjs): one HTML file, script and style inline. */
export function fleetPagePath(): string {
  return join(installDir(), "dist", "fleet-app.html");
}

/**
 * The built page's text, for both doors that serve it (the MCP App resource, the dashboard); read
 * when asked for, never at start-up or into the start-up snapshot. A missing build says how to fix it.
 */
export async function readFleetPage(): Promise<string> {
  try {
    return await readFile(fleetPagePath(), "utf8");
  } catch (err) {
    throw new Error(`The fleet page is not built (${fleetPagePath()}): run npm run build (${(err as Error).message})`);
  }
}
