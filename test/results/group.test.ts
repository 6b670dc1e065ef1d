import { describe, expect, it } from "vitest";
import { fitBudget, RESULT_BUDGET_BYTES, wholeTaskBudget } from "../../src/results/budget.js";
import { groupResults, normaliseReply } from "../../src/results/group.js";
import { errorResult, type HostResult } from "../../src/tasks/host-result.js";

const ok = (host: string, reply: string): HostResult => ({ host, task_id: `t-abcdef-${host.padStart(8, "0")}`, status: "succeeded", exit_code: 0, reply, stdout: `banner\n🦞 ${reply}\n`, stderr: "", truncated: false, duration_ms: 5 });

describe("groupResults", () => {
  it("gathers hosts with the same status and normalised reply, largest first, every host once", () => {
    const rows = [ok("h01", "4 cores"), ok("h02", "4 cores  \r\n"), ok("h03", "2 cores"), ok("h04", "\n4 cores\n\n"), errorResult("h05", "t-abcdef-00000005", "unreachable", "connect ECONNREFUSED to h05: refused")];
    const groups = groupResults(rows);
    expect(groups).toEqual([
      { status: "succeeded", reply: "4 cores", count: 3, hosts: ["h01", "h02", "h04"], hosts_compact: "h[01-02,04]" },
      { status: "succeeded", reply: "2 cores", count: 1, hosts: ["h03"], hosts_compact: "h03" },
      { status: "unreachable", reply: "", count: 1, hosts: ["h05"], hosts_compact: "h05", error: "connect ECONNREFUSED to <host>: refused" },
    ]);
    expect(groups.flatMap((g) => g.hosts).sort()).toEqual(rows.map((r) => r.host).sort());
  });

  it("groups failures by their reason with each host's name and task id taken out, but not names that merely contain it", () => {
    const rows = ["a1", "a2", "a10"].map((h, i) => errorResult(h, `t-abcdef-0000000${i}`, "running", `still running on ${h}; follow it with task_status t-abcdef-0000000${i}`));
    expect(groupResults(rows)).toEqual([{ status: "running", reply: "", count: 3, hosts: ["a1", "a2", "a10"], hosts_compact: "a[1-2,10]", error: "still running on <host>; follow it with task_status <task_id>" }]);
    const other = [errorResult("a1", "t-abcdef-00000001", "failed", "a10 is down, not a1")];
    expect(groupResults(other)[0]!.error).toBe("a10 is down, not <host>");
  });

  it("normalises line ends and trailing whitespace, not case or inner spacing", () => {
    expect(normaliseReply("\r\n Yes  \r\nno\t\n\n")).toBe(" Yes\nno");
    expect(normaliseReply("Yes")).not.toBe(normaliseReply("yes"));
  });
});

describe("fitBudget", () => {
  it("gives a tool returning one task's whole row room for both capped streams, below 8 MiB", () => {
    expect(wholeTaskBudget(1024 * 1024)).toBe(2 * 1024 * 1024 + 64 * 1024);
    expect(wholeTaskBudget(1024)).toBe(RESULT_BUDGET_BYTES);
    expect(wholeTaskBudget(64 * 1024 * 1024)).toBe(8 * 1024 * 1024);
  });

  it("leaves a result within the budget as it was", () => {
    const value = { a: "x".repeat(100) };
    expect(fitBudget(value, "text", 10_000)).toEqual({ structured: value, text: "text", cutBytes: 0 });
  });

  it("cuts the longest strings to fit, keeping head and tail, and says so in the text", () => {
    const big = `HEAD${"y".repeat(400_000)}TAIL`;
    const value = { results: [{ host: "h1", stdout: big }, { host: "h2", stdout: big, reply: "short" }] };
    const fitted = fitBudget(value, "summary line", 100_000);
    const bytes = Buffer.byteLength(JSON.stringify(fitted.structured)) + Buffer.byteLength(JSON.stringify(fitted.text));
    expect(bytes).toBeLessThanOrEqual(100_000);
    const row = fitted.structured.results[0]!;
    expect(row.stdout).toMatch(/^HEAD/);
    expect(row.stdout).toMatch(/TAIL$/);
    expect(row.stdout).toMatch(/\[… \d+ bytes cut to keep this result within its byte budget; the whole output: task_status \/ task_logs …\]/);
    expect(fitted.structured.results[1]!.reply).toBe("short");
    expect(fitted.text).toMatch(/^summary line\nCut: \d+ bytes of output left out/);
    expect(fitted.cutBytes).toBeGreaterThan(700_000);
    expect(value.results[0]!.stdout).toBe(big);
  });
});
