import { connect as tcpConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { deployAll, harness, orphansAfter, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";
import type { LabHost } from "../lab/sshd-lab.js";

// Fault: a host behind a slow, lossy link: 300 ms added to every round trip, 1 % of packets lost each
// way. This kernel has no sch_netem, so the link is emulated in user space at the packet level
// (test/lab/link-emulator.py: two TUN devices, a delay queue and a seeded random drop); both TCP
// stacks are the kernel's own and recover from the loss with their own retransmissions.

let fleet: FaultFleet;
let lossy: LabHost;
let h: Harness;
let configPath: string;
const CONNECT_TIMEOUT_S = 10;

/** Milliseconds for a TCP connect (one round trip) to the host's sshd. */
function connectMs(host: LabHost): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = tcpConnect({ host: host.host, port: host.port }, () => {
      socket.destroy();
      resolve(Date.now() - started);
    });
    socket.on("error", reject);
  });
}

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 2, netnsHosts: [{ name: "lossy", latencyMs: 300, lossPercent: 1 }] });
  lossy = fleet.lab.netnsHosts[0]!;
  // The default connect timeout (10 s): the lab's usual 3 s is about loopback, not a 300 ms link.
  configPath = fleet.configPath({ ssh: { connect_timeout_s: CONNECT_TIMEOUT_S } });
  h = await harness(configPath);
  // Deploying over the slow link takes tens of round trips per host.
  await deployAll(h, ["lossy", "h01", "h02"]);
}, 180_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

describe("fault: a host with 300 ms latency and 1 % loss", () => {
  it("the link is what it claims: every round trip takes 300 ms more", async () => {
    const samples = [await connectMs(lossy), await connectMs(lossy), await connectMs(lossy)];
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(290);
    const status = await h.call("fleet_status", { hosts: ["lossy", "h01"] });
    const rows = Object.fromEntries(status.structuredContent.hosts.map((r: any) => [r.name, r]));
    expect(rows.lossy).toMatchObject({ reachable: true });
    expect(rows.lossy.latency_ms).toBeGreaterThanOrEqual(300);
  });

  it("a fan-out over it still completes, every row final, within the connect timeout plus the task timeout", async () => {
    const before = (await fleet.lab.linkStats(lossy))!;
    // A fresh server: its handshake crosses the lossy link too; then three tasks share that connection, ~300 KB back.
    const fresh = await harness(configPath);
    const timeoutS = 30;
    const started = Date.now();
    const res = await fresh.call("fanout", {
      tasks: [
        { host: "lossy", task: "lines 3000" },
        { host: "lossy", task: "sleep 2" },
        { host: "lossy", task: "hello over a bad link" },
        { host: "h01", task: "lines 3000" },
        { host: "h02", task: "sleep 2" },
      ],
      timeout_s: timeoutS,
      wait_s: 50,
      output: "full",
    });
    await fresh.close();
    const elapsed = Date.now() - started;
    const rows = res.structuredContent.results;
    expect(res.structuredContent.summary).toMatchObject({ total: 5, succeeded: 5, running: 0 });
    expect(rows.map((r: any) => r.reply)).toEqual(["printed 3000 lines", "slept 2", "hello over a bad link", "printed 3000 lines", "slept 2"]);
    expect(rows[0].stdout).toContain("log line 3000 of 3000");
    expect(elapsed).toBeLessThan((CONNECT_TIMEOUT_S + timeoutS) * 1000);
    const after = (await fleet.lab.linkStats(lossy))!;
    const forwarded = after.forwarded - before.forwarded;
    const dropped = after.dropped - before.dropped;
    process.stderr.write(`[faults] lossy link: fan-out in ${elapsed} ms; ${forwarded} packets forwarded, ${dropped} dropped\n`);
    expect(forwarded).toBeGreaterThan(100);
  });

  it("a timeout still kills on time over it: timed_out within the timeout plus a few round trips", async () => {
    const started = Date.now();
    const res = await h.call("dispatch_task", { host: "lossy", task: "sleep 30", timeout_s: 3, wait_s: 30 });
    const elapsed = Date.now() - started;
    expect(res.structuredContent).toMatchObject({ status: "timed_out" });
    expect(elapsed).toBeLessThan(3000 + 5000);
    expect(await orphansAfter(fleet.lab, [lossy, ...fleet.lab.hosts])).toEqual([]);
    const listed = await h.call("task_list", { status: "running" });
    expect(listed.structuredContent.tasks).toEqual([]);
  });
});
