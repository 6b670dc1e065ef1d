import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { deployAll, harness, orphansAfter, picoclawProcesses, startFaultFleet, taskDir, waitFor, type FaultFleet } from "../lab/fault-kit.js";

// Fault: a host's sshd dies (SIGKILL to the listener and every per-connection sshd) while a fan-out runs.

let fleet: FaultFleet;
let h: Harness;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 3 });
  h = await harness(fleet.configPath());
  await deployAll(h, ["h01", "h02", "h03"]);
});

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

describe("fault: sshd on a host is killed mid-task", () => {
  it("the row says the connection dropped, other hosts are unaffected, and the next call reconnects by itself", async () => {
    const [h01] = fleet.lab.hosts;
    const call = h.call("fanout", { task: "sleep 5", hosts: ["h01", "h02", "h03"], wait_s: 40, timeout_s: 60 });
    const sleeping = async () => new Set((await picoclawProcesses(fleet.lab, fleet.lab.hosts)).filter((p) => p.cmd === "sleep 5").map((p) => p.host)).size;
    expect(await waitFor(async () => (await sleeping()) === 3, 10_000)).toBe(true);
    await fleet.lab.killSshd(h01!);
    const started = Date.now();
    const res = await call;
    const rows = Object.fromEntries(res.structuredContent.results.map((r: any) => [r.host, r]));
    // h01: its connection died under the task, which runs on, detached; the row says so and how to follow it.
    expect(rows.h01).toMatchObject({ status: "running" });
    expect(rows.h01.error).toMatch(/dropped while the command ran.*task goes on on the host.*task_status/);
    // h02 and h03 finish normally, within the task's own time.
    for (const name of ["h02", "h03"]) expect(rows[name]).toMatchObject({ status: "succeeded", reply: "slept 5" });
    expect(Date.now() - started).toBeLessThan(5000 + 5000);
    expect(res.structuredContent.summary).toMatchObject({ total: 3, succeeded: 2, running: 1, failed: 0, unreachable: 0 });

    // While sshd is down: task_status answers at once (connection refused), the task still counted as running.
    const id: string = rows.h01.task_id;
    const asked = Date.now();
    const during = await h.call("task_status", { task_id: id });
    expect(Date.now() - asked).toBeLessThan(3000);
    expect(during.structuredContent).toMatchObject({ status: "running" });
    expect(during.structuredContent.error).toMatch(/refused/i);
    expect(await waitFor(() => existsSync(`${taskDir(h01!, id)}/exit`), 10_000)).toBe(true);

    // sshd back: the next calls reconnect on their own, collect the task, and run new work.
    await fleet.lab.startSshd(h01!);
    const connects = h.deps.fleet.stats().connects;
    const after = await h.call("task_status", { task_id: id });
    expect(after.structuredContent).toMatchObject({ task_id: id, host: "h01", status: "succeeded", exit_code: 0, reply: "slept 5" });
    expect(after.structuredContent.stdout).toContain("🦞 slept 5");
    const again = await h.call("dispatch_task", { host: "h01", task: "back again", timeout_s: 20 });
    expect(again.structuredContent).toMatchObject({ status: "succeeded", reply: "back again" });
    expect(h.deps.fleet.stats().connects).toBe(connects + 1);

    const listed = await h.call("task_list", {});
    for (const r of res.structuredContent.results) {
      expect(listed.structuredContent.tasks.find((t: any) => t.task_id === r.task_id)).toMatchObject({ status: "succeeded" });
    }
    expect(await orphansAfter(fleet.lab, fleet.lab.hosts)).toEqual([]);
  });
});
