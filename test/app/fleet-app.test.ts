import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLEET_APP_URI } from "../../src/mcp/fleet-app.js";
import { statusText } from "../../src/results/status-text.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";

/** The tools whose results the fleet page draws (the MCP Apps link), and only those. */
const APP_TOOLS = ["cluster_led", "fanout", "fleet_status", "run_command", "task_status"];

let h: Harness;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "pcf-app-"));
  h = await connect(
    depsFor({
      hosts: [{ name: "local", transport: "local", labels: ["here"] }, { name: "nowhere", host: "127.0.0.1", port: 1, user: "nobody", ssh_key: join(dir, "no-key") }],
      tasks: { journal: join(dir, "tasks.jsonl") },
      claw: { led: { backend: "sim", state_file: join(dir, "blinkt.json") } },
    }),
  );
});

afterAll(async () => {
  await h?.close();
});

describe("the fleet page as an MCP App (needs npm run build: the page is dist/fleet-app.html)", () => {
  it("tools/list links fleet_status, fanout, run_command, task_status and cluster_led to the ui:// page, under both keys, and no other tool", async () => {
    const { tools } = await h.client.listTools();
    const linked = tools.filter((t) => t._meta).map((t) => t.name);
    expect(linked.sort()).toEqual(APP_TOOLS);
    for (const tool of tools.filter((t) => t._meta)) {
      expect(tool._meta).toEqual({ ui: { resourceUri: FLEET_APP_URI }, "ui/resourceUri": FLEET_APP_URI });
    }
  });

  it("resources/read returns the page as text/html;profile=mcp-app: one self-contained file under a CSP with no network origin", async () => {
    const { resources } = await h.client.listResources();
    expect(resources).toContainEqual(expect.objectContaining({ uri: FLEET_APP_URI, mimeType: "text/html;profile=mcp-app" }));
    const { contents } = await h.client.readResource({ uri: FLEET_APP_URI });
    expect(contents).toHaveLength(1);
    const page = contents[0] as { uri: string; mimeType: string; text: string; _meta?: { ui?: { csp?: unknown } } };
    expect(page.mimeType).toBe("text/html;profile=mcp-app");
    expect(page._meta?.ui?.csp).toEqual({ connectDomains: [], resourceDomains: [] });
    expect(page.text).toMatch(/^<!doctype html>/);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(page.text)?.[1] ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[^']+'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(page.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    // About 142 KB since scripts/app-plugins.mjs (260 KB before); a bundler change that keeps all of zod again lands above this.
    expect(page.text.length).toBeLessThan(160_000);
  });

  it("fleet_status's content is its text block alone, exactly as before: the page changes nothing a client without apps sees", async () => {
    const res = await h.call("fleet_status");
    expect(res.isError).toBeFalsy();
    expect(res.content).toEqual([{ type: "text", text: statusText(res.structuredContent) }]);
    expect(res._meta).toBeUndefined();
    expect(res.structuredContent.summary).toMatchObject({ total: 2, reachable: 1 });
  });

  it("cluster_led's content is still the compact JSON of its result", async () => {
    const res = await h.call("cluster_led", { action: "progress", percent: 50, color: "amber" });
    expect(res.content).toEqual([{ type: "text", text: JSON.stringify(res.structuredContent) }]);
    expect(res.structuredContent.pixels.filter((p: { r: number }) => p.r === 255)).toHaveLength(4);
  });
});
