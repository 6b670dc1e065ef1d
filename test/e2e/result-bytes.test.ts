import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { RESULT_BUDGET_BYTES } from "../../src/results/budget.js";
import { deployAll, harness, spawnServer, startFaultFleet, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// Issue 12's byte targets, as the client receives them from the built server over stdio, at 20 and
// 200 hosts (16 per sshd); and issue 16's budget: one result stays within 1 MiB whatever hosts print.
// Each figure goes to stderr as `[bytes] …`, with what the first round's format (indented JSON of
// whole rows) carried for the same call, for BENCHMARKS.md.

let fleet: FaultFleet;
let server: SpawnedServer;
let names: string[];

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 200, hostsPerSshd: 16 });
  names = fleet.lab.hosts.map((h) => h.name);
  const path = fleet.configPath({ defaults: { wait_s: 55 } });
  // One real deploy, then its files copied to every other home: 199 more deploys would cost minutes of 2 cores.
  const h = await harness(path);
  await deployAll(h, [names[0]!]);
  await h.close();
  const [first, ...rest] = fleet.lab.hosts;
  const copy = rest.map((r) => `cp -a ${first!.home}/.local ${first!.home}/.picoclaw ${r.home}/ && chown -R ${r.user}: ${r.home}/.local ${r.home}/.picoclaw`).join(" && ");
  const res = await fleet.lab.exec(copy);
  if (res.code !== 0) throw new Error(`copying PicoClaw to the lab homes failed: ${res.stderr}`);
  server = await spawnServer(path);
}, 600_000);

afterAll(async () => {
  await server?.transport.close();
  await fleet?.stop();
});

type Result = CallToolResult & { structuredContent?: any };
const textOf = (res: Result) => (res.content as { text: string }[])[0]!.text;
const bytes = (s: string) => Buffer.byteLength(s);
/** What the first round sent as text for the same call: the whole rows, indented. */
const before = (value: object) => bytes(JSON.stringify(value, null, 2));
const note = (line: string) => process.stderr.write(`[bytes] ${line}\n`);

describe("result bytes over stdio", () => {
  for (const n of [20, 200]) {
    it(`fanout of one task to ${n} hosts with one answer: text <= 4 KB, structuredContent <= 250 B a host beyond the answers, no log lines`, { timeout: 180_000 }, async () => {
      const hosts = names.slice(0, n);
      const res = await server.call("fanout", { task: "lines 3", hosts }, 170_000);
      const s = res.structuredContent;
      expect(s.summary).toMatchObject({ total: n, succeeded: n });
      const text = textOf(res);
      const answers = [...JSON.stringify(s).matchAll(/"reply":"printed 3 lines"/g)].length * bytes("printed 3 lines");
      const beyond = bytes(JSON.stringify(s)) - answers;
      expect(bytes(text)).toBeLessThanOrEqual(4096);
      expect(beyond / n).toBeLessThanOrEqual(250);
      expect(s.groups).toEqual([expect.objectContaining({ status: "succeeded", reply: "printed 3 lines", count: n })]);
      expect(text.split("printed 3 lines")).toHaveLength(2);
      expect(text).not.toMatch(/ INF |log line|🦞/);
      expect(s.results[0].stdout).toBeUndefined();
      const full = (await server.call("fanout", { task: "lines 3", hosts, output: "full" }, 170_000)).structuredContent;
      expect(full.results[0].stdout).toMatch(/🦞 printed 3 lines/);
      note(`fanout same answer, ${n} hosts: text ${bytes(text)} B (before ${before({ results: full.results, summary: full.summary })} B), structuredContent ${bytes(JSON.stringify(s))} B = ${Math.round(beyond / n)} B/host beyond the answers (full: ${bytes(JSON.stringify(full))} B)`);
    });

    it(`fanout to ${n} hosts with ${n} different 30-byte answers: text <= 16 KB, each answer once`, { timeout: 180_000 }, async () => {
      const tasks = names.slice(0, n).map((host) => ({ host, task: `answer of ${host}`.padEnd(30, ".") }));
      const res = await server.call("fanout", { tasks }, 170_000);
      const text = textOf(res);
      expect(res.structuredContent.summary).toMatchObject({ total: n, succeeded: n });
      expect(res.structuredContent.groups).toHaveLength(n);
      expect(bytes(text)).toBeLessThanOrEqual(16 * 1024);
      for (const t of tasks) expect(text.split(t.task)).toHaveLength(2);
      const full = (await server.call("fanout", { tasks, output: "full" }, 170_000)).structuredContent;
      note(`fanout ${n} different answers, ${n} hosts: text ${bytes(text)} B (before ${before({ results: full.results, summary: full.summary })} B), structuredContent ${bytes(JSON.stringify(res.structuredContent))} B`);
    });

    it(`fleet_status of ${n} hosts: text <= 16 KB, the PicoClaw version said once`, { timeout: 120_000 }, async () => {
      const res = await server.call("fleet_status", { hosts: names.slice(0, n) });
      const text = textOf(res);
      expect(res.structuredContent.summary).toMatchObject({ total: n, reachable: n, installed: n });
      expect(bytes(text)).toBeLessThanOrEqual(16 * 1024);
      expect(text.match(/picoclaw 0\.2\.9: /g)).toHaveLength(1);
      note(`fleet_status ${n} hosts: text ${bytes(text)} B (before ${before(res.structuredContent)} B), structuredContent ${bytes(JSON.stringify(res.structuredContent))} B`);
    });
  }

  it("a fan-out whose hosts flood their output stays within the 1 MiB budget, says what was cut and where the rest is, and the server carries on", { timeout: 120_000 }, async () => {
    const hosts = names.slice(0, 5);
    const res = await server.call("fanout", { task: "flood", hosts, timeout_s: 3 }, 110_000);
    const s = res.structuredContent;
    const text = textOf(res);
    const total = bytes(JSON.stringify(s)) + bytes(JSON.stringify(text));
    // Killed at its timeout, or sooner at tasks.max_output_bytes (64 MiB): either way each row carries its 1 MiB cap.
    expect(s.summary).toMatchObject({ total: 5, succeeded: 0 });
    expect(s.results.every((r: any) => r.truncated)).toBe(true);
    expect(total).toBeLessThanOrEqual(RESULT_BUDGET_BYTES);
    expect(text).toMatch(/^fanout f-[0-9a-z-]+: 5 hosts in /);
    expect(text).toMatch(/\nCut: \d+ bytes of output left out \(marked \[…\]\) to keep this result under 1048576 bytes; the whole \(capped\) output of any task is in task_status <task_id>/);
    for (const row of s.results) expect(row.stdout).toMatch(/\[… \d+ bytes cut to keep this result within its byte budget; the whole output: task_status \/ task_logs …\]/);
    note(`flood fanout, 5 hosts: text + structuredContent ${total} B (before: each host's 1 MiB cap twice, ~10.8 MB, past the client's 10 MiB)`);
    const after = await server.call("dispatch_task", { host: hosts[0], task: "still here?", timeout_s: 20 });
    expect(after.structuredContent).toMatchObject({ status: "succeeded", reply: "still here?" });
  });
});
