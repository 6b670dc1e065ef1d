import { describe, expect, it } from "vitest";
import { compareVersions, parseVersionOutput } from "../../src/picoclaw/version.js";

const BANNER =
  "\r\n\x1b[1;38;2;62;93;185m██████╗ ██╗ ██████╗ ██████╗ \x1b[1;38;2;213;70;70m ██████╗██╗      █████╗ ██╗    ██╗\n" +
  "\x1b[1;38;2;62;93;185m╚═╝     ╚═╝ ╚═════╝ ╚═════╝ \x1b[1;38;2;213;70;70m ╚═════╝╚══════╝╚═╝  ╚═╝ ╚══╝╚══╝\n \x1b[0m\r\n";

describe("parseVersionOutput", () => {
  it("reads the version line without a banner (v0.2.0 and older)", () => {
    const out = "🦞 picoclaw 0.2.0 (git: 1a2b3c4)\n  Build: 2026-02-28T11:59:17Z\n  Go: go1.25.1\n";
    expect(parseVersionOutput(out)).toEqual({ version: "0.2.0", git: "1a2b3c4" });
  });

  it("skips the coloured ASCII banner of v0.2.1 and later", () => {
    const out = `${BANNER}🦞 picoclaw 0.2.9 (git: 2992ecc)\n  Build: 2026-05-22T02:06:40Z\n  Go: go1.25.7\n`;
    expect(parseVersionOutput(out)).toEqual({ version: "0.2.9", git: "2992ecc" });
  });

  it("accepts a leading v, a missing git part and a pre-release", () => {
    expect(parseVersionOutput("🦞 picoclaw v0.2.9\n")).toEqual({ version: "0.2.9" });
    expect(parseVersionOutput("🦞 picoclaw 0.2.2-nightly.20260312.6612ca09 (git: 6612ca0)\n")).toEqual({
      version: "0.2.2-nightly.20260312.6612ca09",
      git: "6612ca0",
    });
    expect(parseVersionOutput("🦞 picoclaw dev\n")).toEqual({ version: "dev" });
  });

  it("reads the boxed layout of a wide terminal", () => {
    const out = "╭──╮\n│ 🦞 picoclaw │\n│ Version  picoclaw 0.2.9 (git: 2992ecc) │\n╰──╯\n";
    expect(parseVersionOutput(out)).toEqual({ version: "0.2.9", git: "2992ecc" });
  });

  it("returns null when there is no version line", () => {
    expect(parseVersionOutput("")).toBeNull();
    expect(parseVersionOutput("sh: 1: picoclaw: not found\n")).toBeNull();
    expect(parseVersionOutput(BANNER)).toBeNull();
  });
});

describe("compareVersions", () => {
  it.each([
    ["0.2.9", "0.2.8", 1],
    ["0.2.8", "0.2.9", -1],
    ["v0.2.9", "0.2.9", 0],
    ["0.2.10", "0.2.9", 1],
    ["1.0.0", "0.99.99", 1],
    ["0.2.2-nightly.20260312", "0.2.2", -1],
    ["0.2.2-nightly.2", "0.2.2-nightly.10", -1],
    ["0.2.2-rc.1", "0.2.2-beta", 1],
    ["dev", "0.0.1", -1],
    ["0.0.1", "dev", 1],
    ["dev", "dev", 0],
  ])("compareVersions(%s, %s) is %i", (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });
});
