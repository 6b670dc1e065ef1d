import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createActivity } from "../../src/claw/activity.js";
import { depsFor } from "../helpers/mcp.js";
import { startLedApi, type LedApi } from "../lab/led-api.js";
import { closedPort } from "../lab/net.js";

const dir = mkdtempSync(join(tmpdir(), "activity-"));
let api: LedApi;
beforeAll(async () => {
  api = await startLedApi();
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Deps whose logger keeps warn lines, to check what an LED failure leaves behind.
function depsWith(led: Record<string, unknown>) {
  const lines: { level: number; msg: string; err?: string }[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const deps = depsFor({ hosts: [], claw: { led: { activity: true, ...led } } });
  return { deps: { ...deps, logger: pino({ level: "warn" }, sink) }, warns: lines };
}

const colours = (file: string) =>
  (JSON.parse(readFileSync(file, "utf8")).pixels as { r: number; g: number; b: number; brightness: number }[]).map((p) =>
    p.brightness === 0 ? "off" : p.r === 255 && p.g === 0 ? "red" : p.g === 255 && p.r === 0 ? "green" : p.g === 191 ? "amber" : "?",
  );

describe("createActivity", () => {
  it("draws a bar of hosts done on a per-pixel strip, worst colour per slice, then pulses", async () => {
    const file = join(dir, "bar.json");
    const { deps } = depsWith({ backend: "sim", state_file: file });
    const activity = createActivity(deps);
    activity.start(3);
    await vi.waitFor(() => expect(colours(file)).toEqual(Array(8).fill("off")));
    activity.hostDone("succeeded");
    await vi.waitFor(() => expect(colours(file)).toEqual(["green", "green", "green", "off", "off", "off", "off", "off"]));
    activity.hostDone("failed");
    await vi.waitFor(() => expect(colours(file)).toEqual(["green", "green", "green", "red", "red", "red", "off", "off"]));
    activity.hostDone("timed_out");
    await vi.waitFor(() => expect(colours(file)).toEqual(["green", "green", "green", "red", "red", "red", "amber", "amber"]));
    await activity.finish();
    expect(colours(file)).toEqual(Array(8).fill("red"));
  });

  it("uses the LED API's progress display on the http backend, then pulse_success", async () => {
    const { deps } = depsWith({ backend: "http", url: api.url, state_file: join(dir, "http.json") });
    const activity = createActivity(deps);
    const before = api.requests.length;
    activity.start(4);
    for (let i = 0; i < 4; i++) {
      await vi.waitFor(() => expect(api.requests.length).toBe(before + 1 + i));
      activity.hostDone("succeeded");
    }
    await activity.finish();
    const seen = api.requests.slice(before);
    expect(seen.at(-1)!.path).toBe("/pulse_success");
    expect(seen.slice(0, 4).map((r) => r.body)).toEqual([0, 25, 50, 75].map((percent) => ({ percent, color: "green" })));
  });

  it("coalesces a burst of updates to the latest, never queueing one request per host", async () => {
    const { deps } = depsWith({ backend: "http", url: api.url, state_file: join(dir, "burst.json") });
    const activity = createActivity(deps);
    const before = api.requests.length;
    activity.start(100);
    for (let i = 0; i < 100; i++) activity.hostDone(i === 50 ? "unreachable" : "succeeded");
    await activity.finish();
    const seen = api.requests.slice(before);
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(seen.at(-1)!.path).toBe("/pulse_error");
  });

  it("never throws nor waits when the LED backend is unreachable, and warns once", async () => {
    const port = await closedPort();
    const { deps, warns } = depsWith({ backend: "http", url: `http://127.0.0.1:${port}`, state_file: join(dir, "dead.json") });
    const activity = createActivity(deps);
    const started = performance.now();
    activity.start(5);
    for (let i = 0; i < 5; i++) activity.hostDone("succeeded");
    const done = activity.finish();
    expect(performance.now() - started).toBeLessThan(50);
    await expect(done).resolves.toBeUndefined();
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ msg: "LED activity display off for the rest of this run", err: expect.stringMatching(/^LED API unreachable at/) });
  });

  it("is silent when claw.led.activity is off", async () => {
    const deps = depsFor({ hosts: [], claw: { led: { backend: "http", url: api.url } } });
    const before = api.requests.length;
    const activity = createActivity(deps);
    activity.start(2);
    activity.hostDone("failed");
    await activity.finish();
    expect(api.requests.length).toBe(before);
  });

  it("stays silent, with a warning, when the backend cannot be built", async () => {
    const { deps, warns } = depsWith({ backend: "ssh" });
    const activity = createActivity(deps);
    activity.start(1);
    activity.hostDone("succeeded");
    await activity.finish();
    expect(warns[0]!.msg).toBe("LED activity display off: the LED backend cannot be used");
  });
});

