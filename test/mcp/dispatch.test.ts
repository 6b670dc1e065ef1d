import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";

const KEY_ENV = "PCF_DISPATCH_TEST_KEY";
let lab: Lab;
let rel: ReleaseServer;
let config: unknown;
let h: Harness;
/** A 70-second task started first and checked last, across a server restart. */
let longTask: { id: string; startedAt: number } | undefined;

const standins = async (host: LabHost) => (await lab.processes(host)).filter((p) => /picoclaw|sleep \d/.test(p.cmd));

beforeAll(async () => {
  process.env[KEY_ENV] = "sk-test-dispatch-0000";
  lab = await startLab({ hosts: 20, refusing: true, silent: true });
  rel = await startReleaseServer();
  config = JSON.parse(readFileSync(lab.writeConfig({ release: { api_url: rel.apiUrl }, defaults: { api_key_env: KEY_ENV } }), "utf8"));
  h = await connect(depsFor(config));
  // Every lab host gets PicoClaw once; the tests below then measure dispatch alone.
  const deployed = await Promise.all(lab.hosts.map((host) => h.call("deploy_host", { host: host.name })));
  expect(deployed.every((r) => !r.isError)).toBe(true);
});

afterAll(async () => {
  await h?.close();
  await rel?.stop();
  await lab?.stop();
});

describe("dispatch_task", () => {
  it("returns running with a task_id by wait_s for a 70-second task", async () => {
    const started = Date.now();
    const res = await h.call("dispatch_task", { host: "h20", task: "sleep 70", wait_s: 5, timeout_s: 120 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.structuredContent).toMatchObject({ host: "h20", status: "running" });
    expect(res.structuredContent.task_id).toMatch(/^t-/);
    longTask = { id: res.structuredContent.task_id, startedAt: started };
  });

  it("delivers a hostile task to PicoClaw's -m verbatim and returns it as the reply", async () => {
    const task = `it's a "test" $(id) \`uname\` $HOME \\n ; rm -rf ~ && echo pwned\nsecond line\ttab 🦞 ünï`;
    const res = await h.call("dispatch_task", { host: "h01", task, output: "full" });
    expect(res.structuredContent).toMatchObject({ host: "h01", status: "succeeded", exit_code: 0, reply: task, truncated: false });
    expect(res.structuredContent.stdout).toContain("██████╗"); // the banner: v0.2.9 logs nothing at its default level
    const received = await lab.exec(`cat ${lab.hosts[0]!.home}/.picoclaw/standin/last-message`);
    expect(received.stdout).toBe(task);
    expect((await lab.exec(`ls ${lab.hosts[0]!.home}`)).stdout).not.toContain("pwned");
  });

  it("refuses a NUL byte with a message naming the field", async () => {
    const res = await h.call("dispatch_task", { host: "h01", task: "a\u0000b" });
    expect(res.isError).toBe(true);
    expect((res.content as { text: string }[])[0]!.text).toMatch(/task/);
  });

  it("kills a `sleep 30` task at timeout_s 3 within 5 s, children included", async () => {
    const started = Date.now();
    const res = await h.call("dispatch_task", { host: "h02", task: "sleep 30", timeout_s: 3 });
    const elapsed = Date.now() - started;
    expect(res.structuredContent).toMatchObject({ status: "timed_out", reply: "" });
    expect(res.structuredContent.error).toMatch(/timed out on h02/);
    expect(res.structuredContent.stdout).toContain("██████╗"); // what it printed (the banner; v0.2.9 logs nothing at its default level) comes back
    expect(elapsed).toBeLessThan(5000);
    expect(await standins(lab.hosts[1]!)).toEqual([]);
  });

  it("keeps 100 000 log lines off the result (they go to PicoClaw's log file), and task_logs shows the last of them", async () => {
    const res = await h.call("dispatch_task", { host: "h03", task: "lines 100000", output: "full" });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", truncated: false, reply: "printed 100000 lines" });
    expect(res.structuredContent.stdout.length).toBeLessThan(4096);
    const logs = await h.call("task_logs", { task_id: res.structuredContent.task_id, lines: 4 });
    expect(logs.structuredContent.lines.join("\n")).toContain("log line 100000 of 100000");
    expect(logs.structuredContent.lines.at(-1)).toBe("🦞 printed 100000 lines");
    const again = await h.call("dispatch_task", { host: "h03", task: "still alive?" });
    expect(again.structuredContent.reply).toBe("still alive?");
  });

  it("reports a failing PicoClaw as failed with its stderr", async () => {
    const res = await h.call("dispatch_task", { host: "h04", task: "fail" });
    expect(res.structuredContent.status).toBe("failed");
    expect(res.structuredContent.exit_code).toBe(1);
    expect(res.structuredContent.error).toMatch(/exited with code 1 on h04/);
  });

  it("auto picks the least-loaded installed host", async () => {
    // Load every host but h05 with a running task; auto must choose h05.
    const busy = await Promise.all(
      lab.hosts.filter((x) => x.name !== "h05" && x.name !== "h20").map((x) => h.call("dispatch_task", { host: x.name, task: "sleep 20", wait_s: 0 })),
    );
    const res = await h.call("dispatch_task", { task: "who are you?", labels: ["lab"] });
    expect(res.structuredContent).toMatchObject({ host: "h05", status: "succeeded" });
    await Promise.all(busy.map((b) => h.call("task_kill", { task_id: b.structuredContent.task_id })));
  });

  it("opens no new SSH connection for a second dispatch to a connected host", async () => {
    await h.call("dispatch_task", { host: "h06", task: "one" });
    const before = h.deps.fleet.stats().connects;
    await h.call("dispatch_task", { host: "h06", task: "two" });
    expect(h.deps.fleet.stats().connects).toBe(before);
  });

  it("runs, collects and cleans up a task on one channel: one exec, and no task directory left", async () => {
    await h.call("dispatch_task", { host: "h07", task: "warm up" });
    const before = h.deps.fleet.stats().execs;
    const res = await h.call("dispatch_task", { host: "h07", task: "one channel" });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "one channel" });
    expect(h.deps.fleet.stats().execs - before).toBe(1);
    expect((await lab.exec(`ls -A ${lab.hosts[6]!.home}/.picoclaw-fleet/tasks`)).stdout).toBe("");
  });

  it("keeps the task directory on the host when tasks.retention_s asks for it", async () => {
    const base = config as { tasks?: Record<string, unknown> };
    const keeping = await connect(depsFor({ ...base, tasks: { ...base.tasks, journal: `${lab.dir}/retention-tasks.jsonl`, retention_s: 3600 } }));
    try {
      const res = await keeping.call("dispatch_task", { host: "h08", task: "keep me" });
      expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "keep me" });
      const dir = `${lab.hosts[7]!.home}/.picoclaw-fleet/tasks/${res.structuredContent.task_id}`;
      expect((await lab.exec(`cat ${dir}/exit ${dir}/message`)).stdout).toBe("0\nkeep me");
      const again = await keeping.call("task_status", { task_id: res.structuredContent.task_id });
      expect(again.structuredContent).toMatchObject({ status: "succeeded", reply: "keep me" });
    } finally {
      await keeping.close();
    }
  });
});

describe("fanout", () => {
  it("returns 20 succeeded and 2 unreachable rows within the connect timeout + task time + 2 s", async () => {
    const progress: number[] = [];
    const started = Date.now();
    const res = await h.call("fanout", { task: "sleep 1", timeout_s: 30 }, { onprogress: (p) => progress.push(p.progress) });
    const elapsed = Date.now() - started;
    const out = res.structuredContent;
    expect(out.summary).toMatchObject({ total: 22, succeeded: 20, unreachable: 2, failed: 0 });
    expect(out.results.find((r: any) => r.host === "refusing").error).toMatch(/refused/i);
    expect(out.results.find((r: any) => r.host === "silent").error).toMatch(/No answer/);
    expect(elapsed).toBeLessThan(3000 + 1000 + 2000);
    expect(progress).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  });

  it("runs a task per host with `tasks`", async () => {
    const res = await h.call("fanout", { tasks: [{ host: "h07", task: "alpha" }, { host: "h08", task: "beta" }] });
    expect(res.structuredContent.results.map((r: any) => [r.host, r.reply])).toEqual([["h07", "alpha"], ["h08", "beta"]]);
  });

  it("kills every remote task when the fan-out is cancelled half-way", async () => {
    const ac = new AbortController();
    const hosts = lab.hosts.slice(0, 10).map((x) => x.name);
    const call = h.call("fanout", { task: "sleep 40", hosts }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 1500));
    ac.abort();
    await expect(call).rejects.toThrow();
    // The server goes on killing after the client stopped listening: give it its few seconds.
    const deadline = Date.now() + 8000;
    let left: unknown[] = [];
    do {
      await new Promise((r) => setTimeout(r, 250));
      left = (await Promise.all(lab.hosts.slice(0, 10).map(standins))).flat();
    } while (left.length && Date.now() < deadline);
    expect(left).toEqual([]);
    const listed = await h.call("task_list", { status: "cancelled" });
    expect(listed.structuredContent.tasks.length).toBeGreaterThanOrEqual(10);
  });
});

describe("tasks after a restart", () => {
  it("task_list, task_logs and task_status find the 70-second task from a new server, and it succeeds", async () => {
    expect(longTask).toBeDefined();
    await h.close();
    h = await connect(depsFor(config)); // a fresh server: only the journal and the host remember
    const listed = await h.call("task_list", { host: "h20" });
    expect(listed.structuredContent.tasks.map((t: any) => t.task_id)).toContain(longTask!.id);
    const logs = await h.call("task_logs", { task_id: longTask!.id, lines: 5 });
    expect(logs.structuredContent.lines.join("\n")).toContain("██████╗"); // the banner: v0.2.9 logs nothing at its default level
    let status: any;
    while (Date.now() - longTask!.startedAt < 100_000) {
      status = (await h.call("task_status", { task_id: longTask!.id })).structuredContent;
      if (status.status !== "running") break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(status).toMatchObject({ status: "succeeded", reply: "slept 70", host: "h20" });
    expect((await h.call("task_status", { task_id: longTask!.id })).structuredContent.status).toBe("succeeded");
  }, 120_000);

  it("refuses a task id that could reach outside the task directory", async () => {
    const res = await h.call("task_status", { task_id: "../../.ssh" });
    expect(res.isError).toBe(true);
    expect((res.content as { text: string }[])[0]!.text).toMatch(/Expected task_id/);
  });
});
