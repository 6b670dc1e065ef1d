import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { deployAll, harness, orphansAfter, picoclawProcesses, startFaultFleet, taskDir, waitFor, type FaultFleet } from "../lab/fault-kit.js";
import type { LabHost } from "../lab/sshd-lab.js";

// Fault: the network between this server and a host goes away mid-task, then comes back.
// The host "cut" runs its sshd inside a network namespace of its own, reached over a veth pair;
// lab.setLink(cut, false) downs the namespace's end, so every packet vanishes (no RST, no ICMP).

let fleet: FaultFleet;
let cut: LabHost;
/** keepalive_s 1: the pooled connection is declared dead ~3 s into an outage (3 unanswered keepalives). */
let h: Harness;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 2, netnsHosts: [{ name: "cut" }] });
  cut = fleet.lab.netnsHosts[0]!;
  h = await harness(fleet.configPath({ ssh: { keepalive_s: 1, connect_timeout_s: 3 } }));
  await deployAll(h, ["cut", "h01", "h02"]);
});

afterAll(async () => {
  await fleet?.lab.setLink(cut, true).catch(() => undefined);
  await h?.close();
  await fleet?.stop();
});

describe("fault: the link to a host goes down mid-task, then comes back", () => {
  it("task_status finds the task again, detached on the host, with its full result", async () => {
    const started = Date.now();
    const first = await h.call("dispatch_task", { host: "cut", task: "sleep 6", wait_s: 1, timeout_s: 60 });
    expect(first.structuredContent).toMatchObject({ host: "cut", status: "running" });
    const id: string = first.structuredContent.task_id;
    expect(await waitFor(async () => (await picoclawProcesses(fleet.lab, [cut])).length > 0, 5000)).toBe(true);

    await fleet.lab.setLink(cut, false);
    try {
      // Other hosts do not notice.
      const other = await h.call("dispatch_task", { host: "h01", task: "still here", timeout_s: 20 });
      expect(other.structuredContent).toMatchObject({ status: "succeeded", reply: "still here" });

      // While the link is down, task_status answers within its bounds (keepalive 3 s or connect timeout 3 s,
      // plus margin), saying the task may still run: never a hang, never a false "failed".
      for (let i = 0; i < 2; i++) {
        const asked = Date.now();
        const during = await h.call("task_status", { task_id: id });
        expect(Date.now() - asked).toBeLessThan(3000 + 3000 + 2000);
        expect(during.structuredContent).toMatchObject({ task_id: id, status: "running" });
        expect(during.structuredContent.error).toMatch(/ask again later/);
      }
      // The task goes on behind the cut link, and ends there.
      expect(await waitFor(() => existsSync(`${taskDir(cut, id)}/exit`), 15_000)).toBe(true);
      const listed = await h.call("task_list", { host: "cut" });
      expect(listed.structuredContent.tasks.find((t: any) => t.task_id === id)).toMatchObject({ status: "running" });
    } finally {
      await fleet.lab.setLink(cut, true);
    }

    // Back up: the next call reconnects by itself and collects the whole result from the host.
    let result: any;
    expect(
      await waitFor(async () => {
        result = (await h.call("task_status", { task_id: id })).structuredContent;
        return result.status !== "running";
      }, 20_000, 500),
    ).toBe(true);
    expect(result).toMatchObject({ task_id: id, host: "cut", status: "succeeded", exit_code: 0, reply: "slept 6", truncated: false });
    expect(result.stdout).toContain("██████╗"); // the banner: v0.2.9 logs nothing at its default level
    expect(result.stdout).toContain("🦞 slept 6");
    expect(Date.now() - started).toBeLessThan(60_000);

    // Accounted for: the journal has it final; the host has no PicoClaw left; the host directory was cleaned.
    const listed = await h.call("task_list", { host: "cut" });
    expect(listed.structuredContent.tasks.find((t: any) => t.task_id === id)).toMatchObject({ status: "succeeded" });
    expect(await orphansAfter(fleet.lab, [cut, ...fleet.lab.hosts])).toEqual([]);
    expect(existsSync(taskDir(cut, id))).toBe(false);
  });

  it("a short outage (under the keepalive's patience) costs nothing: the waiting call gets its result", async () => {
    // Default keepalive (15 s x 3): a 2-second cut is bridged by TCP retransmission on the same connection.
    const patient = await harness(fleet.configPath());
    try {
      await patient.call("fleet_status", { hosts: ["cut"] });
      const connects = patient.deps.fleet.stats().connects;
      const call = patient.call("dispatch_task", { host: "cut", task: "sleep 4", wait_s: 30, timeout_s: 30 });
      await new Promise((r) => setTimeout(r, 1000));
      await fleet.lab.setLink(cut, false);
      await new Promise((r) => setTimeout(r, 2000));
      await fleet.lab.setLink(cut, true);
      const res = await call;
      expect(res.structuredContent).toMatchObject({ host: "cut", status: "succeeded", reply: "slept 4" });
      expect(patient.deps.fleet.stats().connects).toBe(connects);
      expect(await orphansAfter(fleet.lab, [cut])).toEqual([]);
    } finally {
      await fleet.lab.setLink(cut, true);
      await patient.close();
    }
  });
});
