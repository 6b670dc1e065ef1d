import { describe, expect, it } from "vitest";
import { OutputCapture } from "../../src/fleet/output-capture.js";

describe("OutputCapture", () => {
  it("keeps everything under the cap", () => {
    const c = new OutputCapture(100);
    c.push(Buffer.from("hello "));
    c.push(Buffer.from("world"));
    expect(c.text()).toBe("hello world");
    expect(c.truncated).toBe(false);
  });

  it("keeps the head and the tail past the cap, so a reply at the end survives", () => {
    const c = new OutputCapture(1000);
    for (let i = 0; i < 10_000; i++) c.push(Buffer.from(`line ${i}\n`));
    c.push(Buffer.from("\n🦞 the reply\n"));
    const text = c.text();
    expect(c.truncated).toBe(true);
    expect(text.startsWith("line 0\n")).toBe(true);
    expect(text.endsWith("🦞 the reply\n")).toBe(true);
    expect(text).toMatch(/bytes dropped/);
    expect(Buffer.byteLength(text)).toBeLessThan(1100);
  });

  it("bounds memory for one huge chunk", () => {
    const c = new OutputCapture(64);
    c.push(Buffer.alloc(10_000_000, 0x61));
    expect(c.truncated).toBe(true);
    expect(c.text()).toMatch(/^a{32}\n\[… 9999936 bytes dropped …\]\na{32}$/);
  });

  it("turns invalid UTF-8 into replacement characters instead of failing", () => {
    const c = new OutputCapture(100);
    c.push(Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect(c.text()).toBe("\uFFFD\uFFFD\u0000A");
  });
});
