import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/mcp-json.js";
import { FAULT_KEY_ENV, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";
import { launchBrowser, pageErrors, screenshot } from "./browser.js";

let fleet: FaultFleet;
let config: string;
let dashboard: ChildProcess;
let url: string;
let browser: Browser;
let tab: Page;
let errors: string[];

const cli = (args: string[]) => spawn("node", ["dist/cli.js", ...args, "--config", config], { cwd: ROOT, env: { ...process.env, [FAULT_KEY_ENV]: "sk-fault-suite-0000" }, stdio: ["ignore", "pipe", "pipe"] });

/** An HTTP GET with chosen headers: status, body (as sent: not decompressed) and headers. */
function get(target: string, host?: string, more: Record<string, string> = {}): Promise<{ status: number; body: string; bytes: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(target, { headers: { ...(host ? { host } : {}), ...more } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), bytes: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  // 18 hosts that answer, one that refuses and one that never answers: 20, two of them down.
  fleet = await startFaultFleet({ hosts: 18, hostsPerSshd: 9, refusing: true, silent: true });
  // The CLI's fan-out lights the (simulated) Blinkt! strip as hosts finish; the dashboard reads the same state file.
  config = fleet.configPath({ ssh: { connect_timeout_s: 2 }, claw: { led: { backend: "sim", activity: true, state_file: join(fleet.lab.dir, "blinkt.json") } } });
  dashboard = cli(["dashboard", "--interval", "2"]);
  url = await new Promise<string>((resolve, reject) => {
    dashboard.stdout!.once("data", (c: Buffer) => resolve(c.toString().trim()));
    dashboard.once("exit", (code) => reject(new Error(`dashboard exited ${code}`)));
  });
  browser = await launchBrowser();
  tab = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  errors = pageErrors(tab);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  dashboard?.kill("SIGKILL");
  await fleet?.stop();
});

describe("picoclaw-fleet dashboard in chromium, over 20 lab hosts with two down", () => {
  it("prints a loopback URL with a token; without the token, or under another Host name, it serves nothing", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/$/);
    const origin = new URL(url).origin;
    for (const path of ["/", "/events", "/0123456789abcdef0123456789abcdef/", "/0123456789abcdef0123456789abcdef/events"]) {
      const res = await get(`${origin}${path}`);
      expect([res.status, res.body]).toEqual([404, ""]);
    }
    const rebound = await get(url, `evil.example:${new URL(url).port}`);
    expect([rebound.status, rebound.body]).toEqual([403, ""]);
    const ok = await get(url);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    // A browser gets the page gzipped: the same bytes, in well under a third of them.
    const packed = await get(url, undefined, { "accept-encoding": "gzip, deflate, br" });
    expect(packed.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(packed.bytes).toString()).toBe(ok.body);
    expect(packed.bytes.length).toBeLessThan(ok.bytes.length / 3);
  });

  it("shows 18 hosts up and 2 down, each down host with its reason", async () => {
    await tab.goto(url);
    await expect.poll(() => tab.locator(".host").count(), { timeout: 30_000 }).toBe(20);
    expect(await tab.getByTestId("hosts-summary").innerText()).toMatch(/✓ 18 up\s+✗ 2 down/);
    const reasons = await tab.locator(".reasons li").allInnerTexts();
    expect(reasons).toHaveLength(2);
    expect(reasons.join("\n")).toMatch(/refusing \(1\): refused: Connection refused by refusing /);
    expect(reasons.join("\n")).toMatch(/silent \(1\): connect_timeout: /);
    expect(await tab.locator('.host[data-state="down"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-host")).sort())).toEqual(["refusing", "silent"]);
    expect(await tab.locator(".conn").innerText()).toBe("● live");
    await screenshot(tab, "dashboard-fleet");
  });

  it("shows a fan-out started from the CLI in another process while it runs, and when it completes", async () => {
    const run = cli(["fanout", "sleep 4", "--hosts", "h01,h02,h03,h04,h05,h06", "--timeout", "60"]);
    const exited = new Promise<number | null>((resolve) => run.once("exit", resolve));
    const card = tab.locator("article.run");
    await expect.poll(async () => (await card.count()) > 0 && (await card.first().getAttribute("data-state")), { timeout: 30_000 }).toBe("running");
    expect(await card.first().locator(".task").innerText()).toBe("sleep 4");
    expect(await card.first().locator('.group[data-status="running"] .hosts').innerText()).toBe("h[01-06]");
    await screenshot(tab, "dashboard-fanout-running");
    expect(await exited).toBe(0);
    await expect.poll(() => card.first().getAttribute("data-state"), { timeout: 10_000 }).toBe("done");
    expect(await card.first().getByTestId("run-progress").innerText()).toBe("6/6 done");
    expect(await card.first().locator('.group[data-status="succeeded"]').innerText()).toMatch(/✓ succeeded\s+h\[01-06\] \(6\)\s+slept 4/);
    await expect.poll(() => tab.locator('[data-colour="green"]').count(), { timeout: 10_000 }).toBe(8);
    await screenshot(tab, "dashboard-fanout-done");
    expect(errors).toEqual([]);
  });

  it("stops cleanly on Ctrl-C (SIGINT): exit 0", async () => {
    const exited = new Promise<number | null>((resolve) => dashboard.once("exit", resolve));
    dashboard.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
