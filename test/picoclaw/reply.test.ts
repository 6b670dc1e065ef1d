import { describe, expect, it } from "vitest";
import { extractReply } from "../../src/picoclaw/reply.js";

const BANNER = "\r\n██████╗ ██╗ ██████╗ ██████╗  ██████╗██╗      █████╗ ██╗    ██╗\n \r\n";
const LOGS =
  "10:00:01 INF agent pkg/agent/helpers.go:58 > Agent initialized skills_available=6 tools_count=14\n" +
  "10:00:02 INF agent pkg/agent/agent.go:621 > Response: 4\n";

describe("extractReply", () => {
  it("returns the text after the marker, one trailing newline removed", () => {
    expect(extractReply(`${BANNER}${LOGS}\n🦞 4\n`)).toBe("4");
  });

  it("keeps a multi-line reply whole, with its inner blank lines and extra trailing newline", () => {
    expect(extractReply(`${LOGS}\n🦞 line one\n\nline three\n\n`)).toBe("line one\n\nline three\n");
  });

  it("uses the last marker that starts a line", () => {
    const out = "🦞 Interactive mode (Ctrl+C to exit)\n\n🦞 first\n" + LOGS + "\n🦞 second answer\n";
    expect(extractReply(out)).toBe("second answer");
  });

  it("ignores a 🦞 inside a sentence", () => {
    expect(extractReply(`${LOGS}\n🦞 I am 🦞 PicoClaw, hi 🦞 there\n`)).toBe("I am 🦞 PicoClaw, hi 🦞 there");
  });

  it("drops logger lines printed after the answer while shutting down", () => {
    const out = `${LOGS}\n🦞 done\n10:00:03 ERR agent pkg/agent/agent.go:311 > Failed to close MCP manager error=x\n`;
    expect(extractReply(out)).toBe("done");
  });

  it("keeps reply lines that only look like a timestamp", () => {
    expect(extractReply("\n🦞 schedule:\n10:00 standup\n")).toBe("schedule:\n10:00 standup");
  });

  it("keeps a reply cut short by a kill (no trailing newline)", () => {
    expect(extractReply(`${LOGS}\n🦞 partial answ`)).toBe("partial answ");
  });

  it("returns an empty reply when there is no marker", () => {
    expect(extractReply(`${BANNER}${LOGS}`)).toBe("");
    expect(extractReply("")).toBe("");
  });

  it("handles CRLF line starts and an empty answer", () => {
    expect(extractReply("log\r\n🦞 ok\r\n")).toBe("ok");
    expect(extractReply(`${LOGS}\n🦞 \n`)).toBe("");
  });
});
