import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { deployAll, harness, orphansAfter, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";
import type { LabHost } from "../lab/sshd-lab.js";

// Issue 16, item 1: a host running as many long tasks as it has channels (8), and more, stays
// under control: control never queues behind work, and a task holds no channel while it waits.
let fleet: FaultFleet;
let h: Harness;
const ids: string[] = [];

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 3 });
  h = await harness(fleet.configPath());
  await deployAll(h, ["h01", "h02", "h03"]);
  // Ten long tasks on h02: more than its 8 channels (6 of them for tasks, 2 kept for control).
  for (let i = 0; i < 10; i++) {
    const res = await h.call("dispatch_task", { host: "h02", task: "sleep 40", wait_s: 0 });
    ids.push(res.structuredContent.task_id);
  }
}, 120_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

const h02 = () => fleet.lab.hosts[1]!;

/** The tasks whose PicoClaw is alive on a host: task directories with no exit yet, their pid alive. */
async function agentsOn(host: LabHost): Promise<string[]> {
  const script = `cd ${host.home}/.picoclaw-fleet/tasks 2>/dev/null || exit 0; for d in t-*; do [ -f "$d/exit" ] || { kill -0 "$(cat "$d/pid")" 2>/dev/null && echo "$d"; }; done`;
  return (await fleet.lab.exec(script)).stdout.split("\n").filter(Boolean);
}

describe("fault: a busy host", () => {
  it("runs more long tasks than it has channels: all ten are running there", async () => {
    const deadline = Date.now() + 10_000;
    let agents = 0;
    while (Date.now() < deadline && agents < 10) {
      agents = (await agentsOn(h02())).length;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(agents).toBe(10);
  });

  it("task_status answers at once for an attached and a detached task, both running", async () => {
    for (const id of [ids[0]!, ids[9]!]) {
      const started = Date.now();
      const res = await h.call("task_status", { task_id: id });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.structuredContent).toMatchObject({ task_id: id, status: "running" });
      expect(res.structuredContent.error ?? "").not.toMatch(/gone|never collected/);
    }
  });

  it("fleet_status of the busy host answers at once and counts its tasks", async () => {
    const started = Date.now();
    const res = await h.call("fleet_status", { hosts: ["h02"] });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.structuredContent.hosts[0]).toMatchObject({ reachable: true, load: { tasks_running: 10 } });
  });

  it('host "auto" with wait_s 5 answers within it, on another host', async () => {
    const started = Date.now();
    const res = await h.call("dispatch_task", { host: "auto", task: "who is free?", wait_s: 5 });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "who is free?" });
    expect(res.structuredContent.host).not.toBe("h02");
  });

  it("task_kill reaches the host within a second, attached or detached, and kills", async () => {
    for (const id of [ids[1]!, ids[8]!]) {
      const started = Date.now();
      const res = await h.call("task_kill", { task_id: id });
      expect(Date.now() - started).toBeLessThan(1500);
      expect(res.structuredContent).toMatchObject({ task_id: id, status: "cancelled" });
    }
    expect(await agentsOn(h02())).toHaveLength(8);
  });

  it("the rest end cancelled when killed, nothing left on the host, every task final", async () => {
    await Promise.all([ids[0]!, ...ids.slice(2, 8), ids[9]!].map((id) => h.call("task_kill", { task_id: id })));
    expect(await orphansAfter(fleet.lab, [h02()])).toEqual([]);
    const statuses = await Promise.all(ids.map(async (id) => (await h.call("task_status", { task_id: id })).structuredContent.status));
    expect(statuses.filter((s) => s !== "cancelled")).toEqual([]);
  });
});
