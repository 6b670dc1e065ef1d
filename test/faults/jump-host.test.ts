import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect as tcpConnect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { harness, orphansAfter, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";

// Fault: 100 connections at once through one jump host. Every lab sshd runs with OpenSSH's default
// `MaxStartups 10:30:100` (past 10 unauthenticated connections, 30 % of new ones are dropped, rising to
// all at 100); 16 target hosts share one sshd, so a target sshd sees up to 16 handshakes at once where a
// real host would see 1: harsher than a real fleet.

const TARGETS = 100;
let fleet: FaultFleet;
let h: Harness;
let targets: string[];
let jumpConfig: Record<string, any>;

/** How many connections the jump host's sshd accepted for its user. */
function jumpLogins(): number {
  const jump = fleet.lab.hosts[0]!;
  return readFileSync(join(fleet.lab.dir, "sshd-1", "sshd.log"), "utf8").split("\n").filter((l) => l.includes(`Accepted publickey for ${jump.user} `)).length;
}

/** Lines where some lab sshd dropped a connection for MaxStartups. */
function allDrops(): string[] {
  const dirs = readdirSync(fleet.lab.dir).filter((d) => d.startsWith("sshd-"));
  return dirs.flatMap((d) => readFileSync(join(fleet.lab.dir, d, "sshd.log"), "utf8").split("\n").filter((l) => /drop connection/i.test(l)).map((l) => `${d}: ${l.trim()}`));
}

/** Drops since the lab was ready (its own readiness probes, 16 banner reads at once per sshd, may meet some). */
let dropsAtStart = new Set<string>();
function maxStartupsDrops(): string[] {
  return allDrops().filter((l) => !dropsAtStart.has(l));
}

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: TARGETS + 1, hostsPerSshd: 16, sshdOptions: ["MaxStartups 10:30:100"] });
  const config = JSON.parse(readFileSync(fleet.configPath({ defaults: { concurrency: TARGETS } }), "utf8"));
  const [jump, ...rest] = config.hosts as { name: string; jump?: string; labels: string[] }[];
  for (const host of rest) host.jump = jump!.name;
  targets = rest.map((x) => x.name);
  const path = join(fleet.lab.dir, "jump-fleet.json");
  writeFileSync(path, JSON.stringify(config, null, 2));
  jumpConfig = config;
  h = await harness(path);
  dropsAtStart = new Set(allDrops());
}, 180_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

describe("fault: 100 connections at once through one jump host", () => {
  it("fleet_status over 100 targets: every one reachable, one connection to the jump host, no MaxStartups drop", async () => {
    const res = await h.call("fleet_status", { hosts: targets });
    const bad = res.structuredContent.hosts.filter((r: any) => !r.reachable).map((r: any) => `${r.name}: ${r.error}`);
    expect(bad).toEqual([]);
    expect(res.structuredContent.summary).toMatchObject({ total: TARGETS, reachable: TARGETS });
    // 100 targets plus the jump host itself, once.
    expect(h.deps.fleet.stats().connects).toBe(TARGETS + 1);
    expect(jumpLogins()).toBe(1);
    expect(maxStartupsDrops()).toEqual([]);
  });

  it("a fan-out to 100 targets through it (deploying PicoClaw on the way): every row succeeded", async () => {
    const res = await h.call("fanout", { task: "hello through the jump", hosts: targets, concurrency: TARGETS, timeout_s: 60, wait_s: 55 });
    const bad = res.structuredContent.results.filter((r: any) => r.status !== "succeeded").map((r: any) => `${r.host}: ${r.status} ${r.error}`);
    expect(bad).toEqual([]);
    expect(res.structuredContent.summary).toMatchObject({ total: TARGETS, succeeded: TARGETS });
    expect(h.deps.fleet.stats().connects).toBe(TARGETS + 1);
    expect(jumpLogins()).toBe(1);
    expect(maxStartupsDrops()).toEqual([]);
    expect(await orphansAfter(fleet.lab, fleet.lab.hosts)).toEqual([]);
  }, 180_000);

  it("the jump connection is not closed as idle while tunnelled connections still use it", async () => {
    // idle_s 1: the jump host's own channels go idle 1 s after its own probe, while h002 runs through it.
    const path = join(fleet.lab.dir, "jump-idle.json");
    writeFileSync(path, JSON.stringify({ ...jumpConfig, ssh: { ...jumpConfig.ssh, idle_s: 1 } }, null, 2));
    const idle = await harness(path);
    try {
      const call = idle.call("dispatch_task", { host: targets[1]!, task: "sleep 4", timeout_s: 30, wait_s: 30 });
      await new Promise((r) => setTimeout(r, 1000));
      await idle.call("fleet_status", { hosts: [fleet.lab.hosts[0]!.name] });
      const res = await call;
      expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "slept 4" });
    } finally {
      await idle.close();
    }
  });

  it("a real MaxStartups refusal, when one happens, is an honest row: succeeded after a retry, or unreachable and why, never a false running", async () => {
    // 100 idle TCP connections fill the target sshd's MaxStartups (10:30:100): it drops every new one at accept.
    const target = fleet.lab.hosts[15]!; // h016, served by the jump's sshd-1 like h002..h015
    const idle: Socket[] = [];
    for (let i = 0; i < 100; i++) idle.push(tcpConnect({ host: target.host, port: target.port }).on("error", () => undefined));
    await new Promise((r) => setTimeout(r, 1000));
    const fresh = await harness(join(fleet.lab.dir, "jump-fleet.json"));
    try {
      const res = await fresh.call("dispatch_task", { host: target.name, task: "hello", timeout_s: 20 });
      // sshd drops at random past the MaxStartups start (30 % rising to 100 %), and a refusal before
      // the handshake is retried (test/fleet/connect-retry.test.ts): a retry may get through. Either
      // way the row is honest: succeeded, or unreachable saying why; never a false "running".
      expect(res.structuredContent.host).toBe(target.name);
      expect(["succeeded", "unreachable"]).toContain(res.structuredContent.status);
      if (res.structuredContent.status === "unreachable") {
        expect(res.structuredContent.error).toMatch(/closed the connection before the SSH handshake.*MaxStartups/);
      }
      expect(maxStartupsDrops().length).toBeGreaterThan(0);
      for (const s of idle) s.destroy();
      await new Promise((r) => setTimeout(r, 500));
      const again = await fresh.call("dispatch_task", { host: target.name, task: "hello", timeout_s: 20 });
      expect(again.structuredContent).toMatchObject({ status: "succeeded", reply: "hello" });
    } finally {
      for (const s of idle) s.destroy();
      await fresh.close();
    }
  });
});
