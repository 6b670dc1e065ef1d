import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deployAll, harness, orphansAfter, picoclawProcesses, readJournal, spawnServer, startFaultFleet, taskDir, waitFor, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// Faults of this server's own process: the built stdio server, started as mcp.json says (its start-up
// snapshot), is a child of the test, driven by the SDK client over stdio, and killed mid-fan-out.

const ROOT = join(import.meta.dirname, "..", "..");
let fleet: FaultFleet;
const servers: SpawnedServer[] = [];

async function serve(configPath: string): Promise<SpawnedServer> {
  const s = await spawnServer(configPath);
  servers.push(s);
  return s;
}

/** Waits until `n` hosts show the stand-in's `sleep <secs>` child. */
async function running(secs: number, n: number, timeoutMs = 15_000): Promise<boolean> {
  return waitFor(async () => new Set((await picoclawProcesses(fleet.lab, fleet.lab.hosts)).filter((p) => p.cmd === `sleep ${secs}`).map((p) => p.host)).size >= n, timeoutMs);
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cli.js"))) throw new Error("dist/cli.js is missing: run npm run build first");
  fleet = await startFaultFleet({ hosts: 4 });
  const h = await harness(fleet.configPath());
  await deployAll(h, fleet.lab.hosts.map((x) => x.name));
  await h.close();
});

afterEach(async () => {
  for (const s of servers.splice(0)) {
    try {
      process.kill(s.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

afterAll(async () => {
  await fleet?.stop();
});

describe("fault: this server is killed", () => {
  it("SIGKILL mid-fan-out, then a restart: task_list shows the tasks and task_status collects their results", async () => {
    const configPath = fleet.configPath({ tasks: { journal: join(fleet.lab.dir, "sigkill.jsonl") } });
    const journal = join(fleet.lab.dir, "sigkill.jsonl");
    const a = await serve(configPath);
    // Four hosts, concurrency 2: two tasks run when the server dies, two are still queued in it.
    const call = a.call("fanout", { task: "sleep 6", wait_s: 40, timeout_s: 60, concurrency: 2 });
    call.catch(() => undefined);
    expect(await running(6, 2)).toBe(true);
    process.kill(a.pid, "SIGKILL");
    await a.exited;
    await expect(call).rejects.toThrow();

    // The journal (appended whole lines only) holds all four starts and no outcome yet.
    const starts = readJournal(journal).filter((l) => l.op === "start");
    expect(starts).toHaveLength(4);
    expect(readJournal(journal).filter((l) => l.op === "finish")).toEqual([]);
    const ids = starts.map((l) => (l.op === "start" ? l.record.task_id : ""));

    // A new server, knowing only the journal and the hosts.
    const b = await serve(configPath);
    const listed = await b.call("task_list", {});
    expect(listed.structuredContent.tasks.map((t: any) => t.task_id).sort()).toEqual([...ids].sort());
    expect(listed.structuredContent.tasks.every((t: any) => t.status === "running")).toBe(true);

    const finals = new Map<string, any>();
    expect(
      await waitFor(async () => {
        for (const id of ids) {
          if (finals.has(id)) continue;
          const r = (await b.call("task_status", { task_id: id }, 30_000)).structuredContent;
          if (r.status !== "running") finals.set(id, r);
        }
        return finals.size === ids.length;
      }, 30_000, 500),
    ).toBe(true);
    const launched = [...finals.values()].filter((r) => r.status === "succeeded");
    const neverLaunched = [...finals.values()].filter((r) => r.status !== "succeeded");
    // The two that ran finished on their hosts while no server watched, and come back whole.
    expect(launched).toHaveLength(2);
    for (const r of launched) {
      expect(r).toMatchObject({ exit_code: 0, reply: "slept 6" });
      expect(r.stdout).toContain("🦞 slept 6");
    }
    // The two the dead server never launched are final too, and say why.
    expect(neverLaunched).toHaveLength(2);
    for (const r of neverLaunched) {
      expect(r.status).toBe("cancelled");
      expect(r.error).toMatch(/never launched/);
    }
    const after = await b.call("task_list", {});
    expect(after.structuredContent.tasks.filter((t: any) => t.status === "running")).toEqual([]);
    expect(readJournal(journal).filter((l) => l.op === "finish")).toHaveLength(4);
    expect(await orphansAfter(fleet.lab, fleet.lab.hosts)).toEqual([]);
    for (const r of launched) expect(existsSync(taskDir(fleet.lab.hosts.find((x) => x.name === r.host)!, r.task_id))).toBe(false);
  });

  it("SIGTERM during a fan-out: the remote processes are killed before exit, and the journal is consistent", async () => {
    const journal = join(fleet.lab.dir, "sigterm.jsonl");
    const configPath = fleet.configPath({ tasks: { journal } });
    const s = await serve(configPath);
    const call = s.call("fanout", { task: "sleep 30", wait_s: 40, timeout_s: 60 });
    call.catch(() => undefined);
    expect(await running(30, 4)).toBe(true);
    const sent = Date.now();
    process.kill(s.pid, "SIGTERM");
    await s.exited;
    const tookMs = Date.now() - sent;
    // PicoClaw and what it started (the stand-in's `sleep 30` and its `sh -c 'sleep 30; :'`) are gone at exit.
    const atExit = (await picoclawProcesses(fleet.lab, fleet.lab.hosts)).filter((p) => /picoclaw agent|sleep 30/.test(p.cmd));
    expect(atExit).toEqual([]);
    expect(tookMs).toBeLessThan(1500 + 300 + 1000);
    // The client hears either the cancelled rows (sent before the exit) or that the connection closed.
    const answer = await call.then((r) => r.structuredContent, (e: Error) => e);
    if (!(answer instanceof Error)) expect(answer.summary).toMatchObject({ total: 4, cancelled: 4 });
    // The runners finish their bookkeeping (exit code, watchdog) right after.
    expect(await orphansAfter(fleet.lab, fleet.lab.hosts, 5000)).toEqual([]);

    // Every task started has its outcome journalled: cancelled.
    const lines = readJournal(journal);
    const started = lines.flatMap((l) => (l.op === "start" ? [l.record.task_id] : []));
    const finished = new Map(lines.flatMap((l) => (l.op === "finish" ? [[l.result.task_id, l.result.status] as const] : [])));
    expect(started).toHaveLength(4);
    expect(started.map((id) => finished.get(id))).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);

    // A new server agrees.
    const b = await serve(configPath);
    const listed = await b.call("task_list", {});
    expect(listed.structuredContent.tasks.map((t: any) => t.status)).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
    for (const id of started) {
      const r = (await b.call("task_status", { task_id: id })).structuredContent;
      expect(r).toMatchObject({ status: "cancelled" });
    }
  });

  it("a task still queued in a fan-out is reported queued by task_status, not lost, and then runs", async () => {
    // The companion of the SIGKILL case: the same never-launched task while its server lives.
    const h = await harness(fleet.configPath({ tasks: { journal: join(fleet.lab.dir, "queued.jsonl") } }));
    try {
      const res = await h.call("fanout", { task: "sleep 2", hosts: ["h01", "h02"], concurrency: 1, wait_s: 1, timeout_s: 30 });
      const [first, second] = res.structuredContent.results;
      expect([first.status, second.status]).toEqual(["running", "running"]);
      const queued = await h.call("task_status", { task_id: second.task_id });
      expect(queued.structuredContent).toMatchObject({ status: "running" });
      expect(queued.structuredContent.error).toMatch(/queued/);
      let last: any;
      expect(
        await waitFor(async () => {
          last = (await h.call("task_status", { task_id: second.task_id })).structuredContent;
          return last.status !== "running";
        }, 15_000, 300),
      ).toBe(true);
      expect(last).toMatchObject({ status: "succeeded", reply: "slept 2" });
    } finally {
      await h.close();
    }
  });
});
