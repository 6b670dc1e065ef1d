import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { HostResult } from "../../src/tasks/host-result.js";
import { TaskJournal, type TaskRecord } from "../../src/tasks/journal.js";

const dirs: string[] = [];
function journalPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "pcf-journal-"));
  dirs.push(dir);
  return join(dir, "tasks.jsonl");
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const record = (n: number): TaskRecord => ({
  task_id: `t-00000000-${n.toString(16).padStart(8, "0")}`,
  host: "h01",
  task: `task ${n}`,
  started_at: new Date(1_800_000_000_000 + n * 1000).toISOString(),
  timeout_s: 60,
  status: "running",
  teardown: false,
  launched: false,
});
const done = (r: TaskRecord): HostResult => ({ host: r.host, task_id: r.task_id, status: "succeeded", exit_code: 0, reply: r.task, stdout: "x".repeat(400), stderr: "", truncated: false, duration_ms: 5 });
const size = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

describe("the task journal", () => {
  it("stays within twice its size limit however many tasks run, and a restart still finds every unfinished task", async () => {
    const path = journalPath();
    const max = 16 * 1024;
    const journal = new TaskJournal(path, max);
    const longRunning = record(0);
    journal.start(longRunning);
    journal.launch(longRunning.task_id);
    let largest = 0;
    for (let n = 1; n <= 2000; n++) {
      const r = record(n);
      journal.start(r);
      journal.launch(r.task_id);
      journal.finish(done(r));
      largest = Math.max(largest, size(path) + size(`${path}.1`));
    }
    // The size is known at every write: the two files never hold more than twice the limit.
    expect(largest).toBeLessThanOrEqual(2 * max);
    // Memory holds no more than the files do: tasks rotated out are forgotten in this process too.
    expect(journal.get(record(1).task_id)).toBeUndefined();
    expect(journal.list().length).toBeLessThan((2 * max) / 400);
    expect(journal.get(record(2000).task_id)?.result).toMatchObject({ reply: "task 2000", stdout: "x".repeat(400) });
    const reopened = new TaskJournal(path, max);
    expect(reopened.get(longRunning.task_id)).toMatchObject({ status: "running", launched: true, task: "task 0" });
    expect(reopened.get(record(2000).task_id)).toMatchObject({ status: "succeeded" });
    expect(reopened.get(record(1).task_id)).toBeUndefined(); // two rotations ago: gone
    reopened.finish(done(longRunning));
    expect(new TaskJournal(path, max).get(longRunning.task_id)).toMatchObject({ status: "succeeded" });
  });

  it("never makes a final task running again: a start line carried into the new file after its finish", () => {
    const path = journalPath();
    const r = record(7);
    writeFileSync(`${path}.1`, `${JSON.stringify({ op: "start", record: r })}\n${JSON.stringify({ op: "finish", result: done(r) })}\n`);
    writeFileSync(path, `${JSON.stringify({ op: "start", record: r })}\n`);
    expect(new TaskJournal(path).get(r.task_id)).toMatchObject({ status: "succeeded", result: { reply: "task 7" } });
  });

  it("keeps one result within a quarter of its limit, head and tail, and reads it back whole from disk", () => {
    const path = journalPath();
    const journal = new TaskJournal(path, 64 * 1024);
    const r = record(9);
    journal.start(r);
    journal.finish({ ...done(r), stdout: `first line\n${"y".repeat(1024 * 1024)}\nlast line` });
    expect(size(path)).toBeLessThanOrEqual(64 * 1024);
    const back = new TaskJournal(path, 64 * 1024).get(r.task_id)!.result!;
    expect(back).toMatchObject({ status: "succeeded", reply: "task 9", truncated: true });
    expect(back.stdout).toMatch(/^first line\n/);
    expect(back.stdout).toMatch(/characters dropped from the journal …\]\ny+\nlast line$/);
    expect(journal.get(r.task_id)!.result).toEqual(back);
  });

  it("reads past a torn last line (a crash mid-write)", () => {
    const path = journalPath();
    const r = record(8);
    writeFileSync(path, `${JSON.stringify({ op: "start", record: r })}\n`);
    appendFileSync(path, '{"op":"finish","result":{"task_id');
    expect(new TaskJournal(path).get(r.task_id)).toMatchObject({ status: "running" });
  });
});
