import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { commandLine, quote, remotePath } from "../../src/fleet/shell.js";

const hostile = [
  "plain",
  "",
  "it's",
  `say "hi"`,
  "$(id)",
  "`id`",
  "a\nb",
  "; rm -rf ~",
  "$HOME ${HOME} \\ \t tab",
  "ünïcødé 🦞",
  "'''",
];

describe("quote", () => {
  it.each(hostile)("round-trips %j through a real sh verbatim", (value) => {
    const out = execFileSync("/bin/sh", ["-c", `printf '%s' ${quote(value)}`]);
    expect(out.toString("utf8")).toBe(value);
  });

  it("refuses NUL, which argv cannot carry", () => {
    expect(() => quote("a\0b")).toThrow(/NUL/);
  });

  it("commandLine keeps every argument separate", () => {
    const out = execFileSync("/bin/sh", ["-c", `for a in ${commandLine(["a b", "c;d", "$(x)"])}; do printf '[%s]' "$a"; done`]);
    expect(out.toString()).toBe("[a b][c;d][$(x)]");
  });

  it("remotePath leaves ~ to the shell and quotes the rest", () => {
    const out = execFileSync("/bin/sh", ["-c", `printf '%s' ${remotePath("~/a b/$(c)")}`], { env: { HOME: "/h" } });
    expect(out.toString()).toBe("/h/a b/$(c)");
  });
});
