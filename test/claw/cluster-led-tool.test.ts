import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFrame } from "../../src/claw/apa102.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { startLedApi, type LedApi } from "../lab/led-api.js";

const dir = mkdtempSync(join(tmpdir(), "cluster-led-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const textOf = (res: { content: unknown }) => (res.content as { text: string }[])[0]!.text;

describe("cluster_led on the sim backend", () => {
  let h: Harness;
  const stateFile = join(dir, "sim", "blinkt.json");
  beforeAll(async () => {
    h = await connect(depsFor({ hosts: [], claw: { led: { backend: "sim", state_file: stateFile } } }));
  });
  afterAll(() => h?.close());

  it("declares an outputSchema and all four annotations", async () => {
    const tool = (await h.client.listTools()).tools.find((t) => t.name === "cluster_led")!;
    expect(tool.outputSchema).toBeDefined();
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false });
  });

  it("set then get round-trips pixel 3 through the state file, with its APA102 frame", async () => {
    const set = await h.call("cluster_led", { action: "set", pixels: [{ index: 3, color: "#ff8800", brightness: 1 }] });
    expect(set.isError).toBeFalsy();
    expect(JSON.parse(textOf(set))).toEqual(set.structuredContent);
    const get = await h.call("cluster_led", { action: "get" });
    const out = get.structuredContent;
    expect(out.backend).toBe("sim");
    expect(out.pixels).toHaveLength(8);
    expect(out.pixels[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 1 });
    expect(out.pixels[2]).toEqual({ index: 2, r: 0, g: 0, b: 0, brightness: 0 });
    expect(out.frame).toBe(encodeFrame(out.pixels).toString("hex"));
    expect(out.frame.slice(8 + 3 * 8, 8 + 4 * 8)).toBe("ff0088ff");
    const file = JSON.parse(readFileSync(stateFile, "utf8"));
    expect(file.pixels).toEqual(out.pixels);
    expect(file.frame).toBe(out.frame);
  });

  it("fill, progress, pulse and clear render the whole strip", async () => {
    const fill = await h.call("cluster_led", { action: "fill", color: "cyan", brightness: 0.5 });
    expect(fill.structuredContent.pixels.every((p: { g: number; b: number }) => p.g === 255 && p.b === 255)).toBe(true);
    const progress = await h.call("cluster_led", { action: "progress", percent: 25 });
    expect(progress.structuredContent.pixels.filter((p: { brightness: number }) => p.brightness > 0)).toHaveLength(2);
    const pulse = await h.call("cluster_led", { action: "pulse", kind: "error" });
    expect(pulse.structuredContent.pixels[7]).toMatchObject({ r: 255, g: 0, b: 0 });
    const clear = await h.call("cluster_led", { action: "clear" });
    expect(clear.structuredContent.pixels.every((p: { brightness: number }) => p.brightness === 0)).toBe(true);
  });

  it("refuses an unknown colour and a fill without colour, saying what works", async () => {
    const bad = await h.call("cluster_led", { action: "fill", color: "pink" });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/^Unknown colour "pink": expected red, green, blue, amber, cyan, purple, white, off or #rrggbb/);
    const none = await h.call("cluster_led", { action: "fill" });
    expect(textOf(none)).toBe("Expected color for action fill, got none");
  });
});

describe("cluster_led on the http backend", () => {
  let h: Harness;
  let api: LedApi;
  beforeAll(async () => {
    api = await startLedApi();
    h = await connect(depsFor({ hosts: [], claw: { led: { backend: "http", url: api.url, state_file: join(dir, "http.json") } } }));
  });
  afterAll(async () => {
    await h?.close();
    await api?.close();
  });

  it("makes the led_api.py request of each action", async () => {
    const calls: [Record<string, unknown>, string, unknown][] = [
      [{ action: "fill", color: "red" }, "/set_status", { color: "red", duration: 0 }],
      [{ action: "progress", percent: 40, color: "amber" }, "/set_progress", { percent: 40, color: "amber" }],
      [{ action: "progress", percent: 10 }, "/set_progress", { percent: 10, color: "green" }],
      [{ action: "pulse", kind: "success" }, "/pulse_success", {}],
      [{ action: "pulse", kind: "error" }, "/pulse_error", {}],
      [{ action: "clear" }, "/clear", {}],
    ];
    for (const [args, path, body] of calls) {
      const before = api.requests.length;
      const res = await h.call("cluster_led", args);
      expect(res.isError, JSON.stringify(args)).toBeFalsy();
      expect(res.structuredContent.backend).toBe("http");
      expect(api.requests.slice(before)).toEqual([{ method: "POST", path, body }]);
    }
  });

  it("refuses per-pixel set, naming the ssh backend, and sends nothing", async () => {
    const before = api.requests.length;
    const res = await h.call("cluster_led", { action: "set", pixels: [{ index: 0, color: "red" }] });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/^Per-pixel set is not offered by the appliance's LED API \(http backend\).*claw\.led\.backend to "ssh"/);
    expect(api.requests.length).toBe(before);
  });

  it("answers get from what it last sent, without a request", async () => {
    await h.call("cluster_led", { action: "fill", color: "blue" });
    const before = api.requests.length;
    const res = await h.call("cluster_led", { action: "get" });
    expect(res.structuredContent.pixels[0]).toMatchObject({ r: 0, g: 0, b: 255 });
    expect(api.requests.length).toBe(before);
  });

  it("says where the LED API should be when nothing answers", async () => {
    const gone = await startLedApi();
    await gone.close();
    const lost = await connect(depsFor({ hosts: [], claw: { led: { backend: "http", url: gone.url, state_file: join(dir, "gone.json") } } }));
    try {
      const res = await lost.call("cluster_led", { action: "clear" });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toBe(`LED API unreachable at ${gone.url}/clear (ECONNREFUSED): check claw.led.url and that led_api.py runs on ClusterClaw`);
    } finally {
      await lost.close();
    }
  });
});
