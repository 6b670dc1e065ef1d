import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { deployedFleet, orphansAfter, picoclawProcesses, taskDir, waitFor, type FaultFleet } from "../lab/fault-kit.js";

// Issue 16, item 4: a purge under a running task. teardown refuses while tasks run there, naming
// them; `force: true` kills them first; and a task's timeout holds whatever happens to its directory.

let fleet: FaultFleet;
let h: Harness;

beforeAll(async () => {
  ({ fleet, h } = await deployedFleet(2));
}, 120_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

const host = (i: number) => fleet.lab.hosts[i]!;

/** Starts `sleep N` on a host and waits until its task directory holds a pid. */
async function startSleep(name: string, seconds: number, timeoutS: number): Promise<string> {
  const res = await h.call("dispatch_task", { host: name, task: `sleep ${seconds}`, timeout_s: timeoutS, wait_s: 0 });
  const id = res.structuredContent.task_id as string;
  const dir = taskDir(fleet.lab.hosts.find((x) => x.name === name)!, id);
  expect(await waitFor(() => existsSync(join(dir, "pid")), 5000)).toBe(true);
  return id;
}

describe("fault: teardown with purge under a running task", () => {
  it("refuses while a task runs there, naming it and force, and removes nothing", async () => {
    const id = await startSleep("h01", 30, 60);
    const res = await h.call("teardown", { hosts: ["h01"], purge: true });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    const [row] = res.structuredContent.results;
    expect(row).toMatchObject({ host: "h01", status: "failed", removed: [] });
    expect(row.error).toContain(id);
    expect(row.error).toMatch(/force/);
    expect(existsSync(join(host(0).home, ".picoclaw", "config.json"))).toBe(true);
    expect((await picoclawProcesses(fleet.lab, [host(0)])).length).toBeGreaterThan(0);
  });

  it("with force: true kills the tasks first (each ends cancelled, and says so), then purges", async () => {
    const [running] = (await h.call("task_list", { host: "h01", status: "running" })).structuredContent.tasks;
    const res = await h.call("teardown", { hosts: ["h01"], purge: true, force: true });
    const [row] = res.structuredContent.results;
    expect(row).toMatchObject({ host: "h01", status: "succeeded", cancelled: [running.task_id] });
    expect(row.removed).toContain("~/.picoclaw");
    expect(await orphansAfter(fleet.lab, [host(0)])).toEqual([]);
    const status = (await h.call("task_status", { task_id: running.task_id })).structuredContent;
    expect(status).toMatchObject({ status: "cancelled" });
    expect(status.error ?? "").not.toMatch(/not started/);
  });

  it("a task's timeout holds when its directory is removed under it: sleep 20, timeout_s 4, nothing runs past 6 s", async () => {
    const started = Date.now();
    const id = await startSleep("h02", 20, 4);
    await fleet.lab.exec(`rm -rf ${taskDir(host(1), id)}`);
    const status = (await h.call("task_status", { task_id: id })).structuredContent;
    expect(status.error ?? "").not.toMatch(/not started/);
    expect(status.error).toMatch(/directory is gone/);
    expect(await orphansAfter(fleet.lab, [host(1)], 8000)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(6500);
    const final = await h.call("task_status", { task_id: id });
    expect(final.structuredContent.error).toMatch(/directory is gone/);
  });

  it("task_kill of a task whose directory is gone kills it at once, by its marker, and it ends cancelled", async () => {
    const id = await startSleep("h02", 30, 60);
    await fleet.lab.exec(`rm -rf ${taskDir(host(1), id)}`);
    const started = Date.now();
    const killed = (await h.call("task_kill", { task_id: id })).structuredContent;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(killed).toMatchObject({ task_id: id, status: "cancelled" });
    expect(await orphansAfter(fleet.lab, [host(1)], 3000)).toEqual([]);
  });
});
