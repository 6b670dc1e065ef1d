import type { Browser, FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLEET_APP_URI } from "../../src/mcp/fleet-app.js";
import { spawnServer, startFaultFleet, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";
import { launchBrowser, mcpHostPage, pageErrors, screenshot } from "./browser.js";

let fleet: FaultFleet;
let server: SpawnedServer;
let browser: Browser;
let page: string;
let hostPage: string;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 4, refusing: true });
  server = await spawnServer(fleet.configPath());
  browser = await launchBrowser();
  hostPage = await mcpHostPage();
  const read = await server.client.readResource({ uri: FLEET_APP_URI });
  page = (read.contents[0] as { text: string }).text;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.client.close();
  await fleet?.stop();
});

/** Opens the fixture host and has it show the page with a tool's input and result; returns the app's frame. */
async function show(tool: string, input: Record<string, unknown>, result: unknown, theme: "light" | "dark" = "light", width = 900): Promise<{ tab: Page; app: FrameLocator; errors: string[] }> {
  const tab = await browser.newPage({ viewport: { width, height: 400 }, colorScheme: theme });
  const errors = pageErrors(tab);
  await tab.setContent(hostPage);
  await tab.evaluate(([html, name, args, res, scheme]) => (globalThis as any).showApp(html, name, args, res, scheme), [page, tool, input, result, theme] as const);
  return { tab, app: tab.frameLocator("iframe"), errors };
}

describe("the fleet page in an MCP Apps host (a fixture host speaking ext-apps' AppBridge protocol, the real stdio server)", () => {
  it("renders a real fleet_status: 4 up, 1 down with its reason, a cell per host", async () => {
    const result = await server.call("fleet_status");
    const { tab, app, errors } = await show("fleet_status", {}, result);
    await expect.poll(() => app.locator(".host").count(), { timeout: 10_000 }).toBe(5);
    expect(await app.getByTestId("hosts-summary").innerText()).toMatch(/✓ 4 up\s+✗ 1 down · 0 of 5 with PicoClaw/);
    expect(await app.locator(".reasons li").innerText()).toMatch(/refusing \(1\): refused: Connection refused by refusing /);
    expect(await app.locator('.host[data-state="down"]').getAttribute("data-host")).toBe("refusing");
    await screenshot(tab, "mcp-app-fleet-status");
    expect(errors).toEqual([]);
    await tab.close();
  });

  it("renders a real fanout as its groups: the answer once for the hosts that gave it, the unreachable host with why", async () => {
    const input = { task: "hello from the fleet page", wait_s: 55, timeout_s: 60 };
    const result = await server.call("fanout", input, 120_000);
    expect(result.structuredContent.summary).toMatchObject({ total: 5, succeeded: 4, unreachable: 1 });
    for (const theme of ["light", "dark"] as const) {
      const { tab, app, errors } = await show("fanout", input, result, theme);
      await expect.poll(() => app.locator(".group").count(), { timeout: 10_000 }).toBe(2);
      expect(await app.locator(".task").innerText()).toBe("hello from the fleet page");
      const ok = app.locator('.group[data-status="succeeded"]');
      expect(await ok.getAttribute("data-count")).toBe("4");
      expect(await ok.locator(".hosts").innerText()).toBe("h[01-04]");
      expect(await ok.locator(".reply").innerText()).toBe("hello from the fleet page");
      expect(await app.locator('.group[data-status="unreachable"]').innerText()).toMatch(/⊘ unreachable\s+refusing \(1\)\s+Connection refused by refusing /);
      expect(await app.getByTestId("run-progress").innerText()).toBe("5/5 done");
      await screenshot(tab, `mcp-app-fanout-${theme}`);
      expect(errors).toEqual([]);
      await tab.close();
    }
  });

  it("stays readable at 200 hosts: one summary, the down hosts grouped by reason, compact cells", async () => {
    const real = (await server.call("fleet_status")).structuredContent;
    const rows = Array.from({ length: 200 }, (_, i) => {
      const row = real.hosts[i % 4];
      const name = `node${String(i + 1).padStart(3, "0")}`;
      return i % 50 === 7 ? { ...real.hosts[4], name } : { ...row, name, labels: i < 100 ? ["rack-a"] : ["rack-b"] };
    });
    const big = { hosts: rows, summary: { total: 200, reachable: 196, installed: rows.filter((r) => r.picoclaw.installed).length, duration_ms: real.summary.duration_ms } };
    const { tab, app } = await show("fleet_status", {}, { content: [{ type: "text", text: "(200 hosts)" }], structuredContent: big }, "light", 1200);
    await expect.poll(() => app.locator(".host").count(), { timeout: 10_000 }).toBe(200);
    expect(await app.locator(".reasons li").count()).toBe(1);
    expect(await app.locator(".reasons li").innerText()).toMatch(/node\[008,058,108,158\] \(4\)/);
    await screenshot(tab, "mcp-app-200-hosts");
    await tab.close();
  });
});
