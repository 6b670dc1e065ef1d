import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll, harness, orphansAfter, picoclawProcesses, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";

// Two small ways a task used to be stranded: a kill of a task still queued waited for a slot, and
// a host removed from the config took its finished tasks' logs with it.

let fleet: FaultFleet;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 2 });
  const h = await harness(fleet.configPath());
  await deployAll(h, ["h01", "h02"]);
  await h.close();
});

afterAll(async () => {
  await fleet?.stop();
});

describe("fault: queued tasks and removed hosts", () => {
  it("task_kill of a queued task ends it at once, without waiting for a slot, and it never reaches its host", async () => {
    const h = await harness(fleet.configPath({ tasks: { journal: join(fleet.lab.dir, "queued-kill.jsonl") } }));
    try {
      const res = await h.call("fanout", { task: "sleep 20", hosts: ["h01", "h02"], concurrency: 1, wait_s: 1, timeout_s: 60 });
      const [first, queued] = res.structuredContent.results;
      const started = Date.now();
      const killed = await h.call("task_kill", { task_id: queued.task_id });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(killed.structuredContent).toMatchObject({ host: "h02", status: "cancelled" });
      expect(killed.structuredContent.error).toMatch(/never launched/);
      expect((await h.call("task_status", { task_id: queued.task_id })).structuredContent).toMatchObject({ status: "cancelled" });
      expect((await picoclawProcesses(fleet.lab, fleet.lab.hosts)).filter((p) => p.host === "h02")).toEqual([]);
      await h.call("task_kill", { task_id: first.task_id });
      expect(await orphansAfter(fleet.lab, fleet.lab.hosts)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it("a host removed from the config still serves its finished tasks from the journal, and its name is not dialled", async () => {
    const journal = join(fleet.lab.dir, "removed.jsonl");
    const a = await harness(fleet.configPath({ tasks: { journal } }));
    const done = (await a.call("dispatch_task", { host: "h02", task: "lines 5", wait_s: 30 })).structuredContent;
    await a.close();
    expect(done).toMatchObject({ status: "succeeded", reply: "printed 5 lines" });

    // h02 gone, ad-hoc addresses allowed: "h02" must not become an address to connect to.
    const hosts = [{ name: "h01", host: fleet.lab.hosts[0]!.host, port: fleet.lab.hosts[0]!.port, user: fleet.lab.hosts[0]!.user, ssh_key: fleet.lab.clientKey }];
    const b = await harness(fleet.configPath({ tasks: { journal }, hosts, allow_adhoc_hosts: true }));
    try {
      expect(b.deps.config.hosts.map((x) => x.name)).toEqual(["h01"]);
      expect((await b.call("task_status", { task_id: done.task_id })).structuredContent).toMatchObject({ status: "succeeded", reply: "printed 5 lines" });
      const logs = await b.call("task_logs", { task_id: done.task_id, lines: 3 });
      expect(logs.isError, JSON.stringify(logs.content)).toBeFalsy();
      expect(logs.structuredContent.lines.join("\n")).toContain("printed 5 lines");
      expect(b.deps.fleet.stats().connects).toBe(0);
    } finally {
      await b.close();
    }
  });
});
