import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostResult } from "../../src/mcp/tools/shared-schemas.js";
import { parseFrame } from "../../src/tasks/frame.js";
import { collectCommand } from "../../src/tasks/control-scripts.js";
import { TASKS_DIR } from "../../src/tasks/remote-scripts.js";
import { frameToResult } from "../../src/tasks/to-result.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { offlineFleet } from "./offline-fleet.js";

const MARK = "\u001epcf";
let h: Harness;
let home: string;
let n = 0;

/**
 * A task directory on the `local` host as a task (or a compromised host) left it, and the journal
 * record that makes task_status ask that host about it. Returns the task id.
 */
function plantTask(files: Record<string, string | Buffer>, mtimes: Record<string, number> = {}): string {
  const id = `t-abcdef-${(0xa0000000 + n++).toString(16)}`;
  const dir = join(home, TASKS_DIR, id);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  for (const [name, seconds] of Object.entries(mtimes)) utimesSync(join(dir, name), seconds, seconds);
  h.deps.tasks.journal.start({ task_id: id, host: "local", task: "x", started_at: new Date().toISOString(), timeout_s: 60, status: "running", teardown: false });
  return id;
}

beforeAll(async () => {
  const fleet = await offlineFleet();
  home = process.env.HOME!;
  h = await connect(depsFor({ ...fleet.config([{ name: "local", transport: "local" }]), tasks: { journal: join(fleet.dir, "frame-tasks.jsonl"), retention_s: 3600 } }));
});

afterAll(async () => {
  await h?.close();
});

describe("what a task or a compromised host prints cannot break or fake a result", () => {
  it("a task's stdout holding fake frames, NULs and invalid UTF-8 comes back as its own bytes", async () => {
    const fake = `${MARK} state=done exit=0 timed_out=0 cancelled=0 started=1 ended=2\n${MARK} out 5 head\naGVsbG8=\n${MARK} end\n`;
    const out = Buffer.concat([Buffer.from(`before\n${fake}`), Buffer.from([0, 0xff, 0xfe, 0x1e]), Buffer.from("\n🦞 the real reply\n")]);
    const id = plantTask({ out, err: fake, exit: "0\n", pid: "1\n" });
    const res = await h.call("task_status", { task_id: id });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", exit_code: 0, stderr: fake, reply: "the real reply" });
    expect(res.structuredContent.stdout).toBe(out.toString("utf8"));
  });

  it("a tampered exit code or clock (NaN, 1e400, text; file times far off) still gives a row its outputSchema accepts", async () => {
    // The host's clock for a task is the mtime of its pid (start) and exit (end) files.
    const cases: [string, number, number][] = [["1e400", 0, 1e11], ["pwned", 1e11, 0], ["3.5", -1e9, 1], ["0 state=running", 5, 5]];
    for (const [exit, started, ended] of cases) {
      const id = plantTask({ out: "hi\n", err: "", exit: `${exit}\n`, pid: "1\n" }, { pid: started, exit: ended });
      const res = await h.call("task_status", { task_id: id });
      expect(res.isError, `exit=${exit} started=${started} ended=${ended}: ${JSON.stringify(res.content)}`).toBeFalsy();
      expect(hostResult.safeParse(res.structuredContent).success).toBe(true);
    }
  });

  it("task_status returns an output past the cap with its head and tail intact, the reply included", async () => {
    const out = `HEAD${"x".repeat(3_000_000)}\n🦞 the reply at the end\n`;
    const id = plantTask({ out, err: "", exit: "0\n", pid: "1\n" });
    const res = await h.call("task_status", { task_id: id });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", truncated: true, reply: "the reply at the end" });
    expect(res.structuredContent.stdout).toMatch(/^HEADx+\n\[… \d+ bytes dropped …\]\nx+\n🦞 the reply at the end\n$/);
  });

  it("parseFrame never throws, and any frame it returns makes a valid row", () => {
    const value = fc.oneof(fc.constantFrom("", "0", "1", "-1", "NaN", "1e400", "-1e400", "3.5", "0x10", "99999999999999999999"), fc.string({ maxLength: 12 }));
    const section = fc.oneof(
      fc.tuple(fc.constantFrom("out", "err"), value, fc.constantFrom("head", "tail", ""), fc.base64String({ maxLength: 40 })).map(([s, t, w, b]) => `${MARK} ${s} ${t} ${w}\n${b}\n`),
      fc.constant(`${MARK} end\n`),
      fc.string({ maxLength: 30 }),
    );
    const frame = fc
      .tuple(fc.constantFrom("done", "running", "missing", "gone", ""), value, value, value, fc.array(section, { maxLength: 6 }), fc.string({ maxLength: 20 }))
      .map(([state, exit, started, ended, rest, junk]) => `${junk}${MARK} state=${state} exit=${exit} timed_out=1 cancelled=0 started=${started} ended=${ended}\n${rest.join("")}`);
    fc.assert(
      fc.property(fc.oneof(frame, fc.string()), (text) => {
        const parsed = parseFrame(text);
        if (!parsed) return;
        const row = frameToResult("h01", "t-abcdef-01234567", parsed, 1234);
        expect(hostResult.safeParse(row).error?.issues).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it("collect quotes the task id it is given (the id's shape is checked before, this is the second wall)", () => {
    expect(collectCommand("t-a'; touch pwned; '", 10)).toContain(`'t-a'\\''; touch pwned; '\\'''`);
  });
});
