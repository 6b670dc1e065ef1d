import { describe, expect, it } from "vitest";
import { taskLogLines } from "../../src/tasks/log-lines.js";

const BANNER = "\n██████╗\n╚═════╝\n \n";

describe("taskLogLines", () => {
  it("puts PicoClaw's log between its banner and its answer", () => {
    const log = '{"level":"info","message":"Agent initialized"}\n{"level":"info","message":"Routed message"}\n';
    expect(taskLogLines(`${BANNER}\n🦞 the answer\n`, log, 100)).toEqual([
      "", "██████╗", "╚═════╝", " ", "", '{"level":"info","message":"Agent initialized"}', '{"level":"info","message":"Routed message"}', "🦞 the answer",
    ]);
  });

  it("ends with the log while there is no answer yet, and keeps the last `count` lines", () => {
    expect(taskLogLines(BANNER, "one\ntwo\nthree\n", 2)).toEqual(["two", "three"]);
    expect(taskLogLines("", "", 5)).toEqual([]);
  });

  it("keeps a multi-line answer whole after the log", () => {
    expect(taskLogLines(`${BANNER}\n🦞 line one\nline two\n`, "log\n", 3)).toEqual(["log", "🦞 line one", "line two"]);
  });
});
