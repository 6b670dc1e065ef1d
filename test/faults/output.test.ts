import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll, harness, orphansAfter, picoclawProcesses, spawnServer, startFaultFleet, taskDir, waitFor, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// Faults of a task's output: a task that prints without end, and one that prints binary bytes and
// invalid UTF-8. Driven through the built stdio server, so that "no crash" is about the real process.

const ROOT = join(import.meta.dirname, "..", "..");
const CAP = 256 * 1024;
let fleet: FaultFleet;
let server: SpawnedServer;

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cli.js"))) throw new Error("dist/cli.js is missing: run npm run build first");
  fleet = await startFaultFleet({ hosts: 2 });
  // A limit far above what a flood writes in these tests: here the timeout and the cap are under test
  // (the output limit has its own test, output-limit.test.ts).
  const path = fleet.configPath({ tasks: { output_cap_bytes: CAP, max_output_bytes: 32 * 1024 ** 3 } });
  const h = await harness(path);
  await deployAll(h, ["h01", "h02"]);
  await h.close();
  server = await spawnServer(path);
});

afterAll(async () => {
  if (server) {
    await server.transport.close();
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 3000))]);
  }
  await fleet?.stop();
});

/** The number in "[… N bytes dropped …]". */
function dropped(text: string): number {
  const m = /\[… (\d+) bytes dropped …\]/.exec(text);
  return m ? Number(m[1]) : 0;
}

describe("fault: a task's output", () => {
  it("a task printing without end is killed at its timeout, its output capped (head and tail), and the server carries on", async () => {
    const started = Date.now();
    const res = await server.call("dispatch_task", { host: "h01", task: "flood", timeout_s: 3, wait_s: 30 });
    const elapsed = Date.now() - started;
    const r = res.structuredContent;
    expect(r).toMatchObject({ host: "h01", status: "timed_out", truncated: true, reply: "" });
    expect(elapsed).toBeLessThan(3000 + 2000 + 3000);
    // Capped: the kept head and tail fit the cap, and the marker says how much was dropped in between.
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(CAP + 200);
    expect(dropped(r.stdout)).toBeGreaterThan(CAP);
    expect(r.stdout).toContain("flood: this line repeats until the process is killed");
    // The tail is the end of the output (where a real reply would be), not more of the head.
    expect(r.stdout.split("bytes dropped …]\n")[1]).toMatch(/flood: this line repeats/);
    process.stderr.write(`[faults] flood: ${((dropped(r.stdout) + CAP) / 1e6).toFixed(0)} MB written on the host in ${elapsed} ms (kept ${CAP} bytes)\n`);
    // Gone from the host: the process group, and the task directory with its big file.
    expect(await orphansAfter(fleet.lab, [fleet.lab.hosts[0]!])).toEqual([]);
    expect(existsSync(taskDir(fleet.lab.hosts[0]!, r.task_id))).toBe(false);
    const after = await server.call("dispatch_task", { host: "h01", task: "alive?", timeout_s: 20 });
    expect(after.structuredContent).toMatchObject({ status: "succeeded", reply: "alive?" });
  });

  it("a flood followed with task_logs and stopped with task_kill: a bounded answer each time", async () => {
    const res = await server.call("dispatch_task", { host: "h02", task: "flood", timeout_s: 60, wait_s: 1 });
    const id: string = res.structuredContent.task_id;
    expect(res.structuredContent.status).toBe("running");
    const logs = await server.call("task_logs", { task_id: id, lines: 5 });
    expect(logs.structuredContent.lines).toHaveLength(5);
    const status = await server.call("task_status", { task_id: id });
    expect(status.structuredContent).toMatchObject({ status: "running", truncated: true });
    expect(Buffer.byteLength(status.structuredContent.stdout)).toBeLessThan(CAP + 200);
    const killed = await server.call("task_kill", { task_id: id });
    expect(killed.structuredContent).toMatchObject({ status: "cancelled", truncated: true });
    expect(Buffer.byteLength(killed.structuredContent.stdout)).toBeLessThan(CAP + 200);
    expect(await orphansAfter(fleet.lab, [fleet.lab.hosts[1]!])).toEqual([]);
    expect(await waitFor(() => !existsSync(taskDir(fleet.lab.hosts[1]!, id)), 5000)).toBe(true);
  });

  it("binary bytes, NULs and invalid UTF-8 come back decoded (U+FFFD), with the reply, and no crash", async () => {
    const res = await server.call("dispatch_task", { host: "h01", task: "binary", timeout_s: 20, output: "full" });
    const r = res.structuredContent;
    expect(r).toMatchObject({ status: "succeeded", exit_code: 0, reply: "binary ok", truncated: false });
    expect(r.stdout).toContain("binary \uFFFD\uFFFD bytes \u0000 and \u0000\u0001 NULs");
    // The text is for a model: the reply first, not the raw bytes.
    const text = (res.content as { type: string; text: string }[])[0]!.text;
    expect(text).toMatch(/^binary ok\n\n-- h01 t-\S+ succeeded in /);
    expect(text).not.toContain("\u0000");
    // And a fan-out mixing it with a flood: every row comes back, each bounded.
    const fan = await server.call("fanout", { tasks: [{ host: "h01", task: "binary" }, { host: "h02", task: "flood" }], timeout_s: 2, wait_s: 30 });
    const rows = Object.fromEntries(fan.structuredContent.results.map((x: any) => [x.host, x]));
    expect(rows.h01).toMatchObject({ status: "succeeded", reply: "binary ok" });
    expect(rows.h02).toMatchObject({ status: "timed_out", truncated: true });
    expect(await orphansAfter(fleet.lab, fleet.lab.hosts)).toEqual([]);
    expect((await picoclawProcesses(fleet.lab, fleet.lab.hosts)).length).toBe(0);
    const list = await server.call("task_list", {});
    expect(list.structuredContent.tasks.filter((t: any) => t.status === "running")).toEqual([]);
  });
});
