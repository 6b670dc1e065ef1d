import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listProcesses } from "../lab/procs.js";
import { orphansAfter, spawnServer, startFaultFleet, taskDir, waitFor, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// run_command's command lane (src/tasks/command-lane.ts) through the built stdio server on lab
// hosts: one shell per connection runs every command, each with its own directory, process group,
// watchdog and capped output; and where the lane cannot open, the runner takes the command.
let fleet: FaultFleet;
let configPath: string;
let narrowConfig: string;
let server: SpawnedServer;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 4 });
  configPath = fleet.configPath();
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  delete config.defaults.api_key_env;
  config.tasks.output_cap_bytes = 4096;
  config.tasks.max_output_bytes = 1024 * 1024;
  writeFileSync(configPath, JSON.stringify(config));
  // Three channels a connection: two kept for control, one for tasks, so no lane (it holds two).
  narrowConfig = join(fleet.lab.dir, "narrow.json");
  writeFileSync(narrowConfig, JSON.stringify({ ...config, ssh: { ...config.ssh, max_channels: 3 }, tasks: { ...config.tasks, journal: join(fleet.lab.dir, "narrow.jsonl") } }));
  server = await spawnServer(configPath);
}, 120_000);

afterAll(async () => {
  await server?.transport.close();
  await fleet?.stop();
});

/** The host's lane shells: `sh -s` reading the lane's script, started by sshd (its forks for tasks carry the same name). */
async function laneShells(i: number): Promise<number> {
  const uid = Number(execFileSync("id", ["-u", fleet.lab.hosts[i]!.user], { encoding: "utf8" }));
  const procs = listProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  return procs.filter((p) => p.uid === uid && /^sh -s \d+$/.test(p.cmd) && byPid.get(p.ppid)?.comm.startsWith("sshd")).length;
}

const tasksDir = (i: number) => join(fleet.lab.hosts[i]!.home, ".picoclaw-fleet", "tasks");

describe("the command lane", () => {
  it("runs twenty commands at once on one host through one shell, each its own task", async () => {
    const calls = Array.from({ length: 20 }, (_, k) => server.call("run_command", { command: `echo task ${k}; sleep 0.3`, host: "h01" }));
    const results = await Promise.all(calls);
    const rows = results.map((r) => r.structuredContent.results[0]);
    expect(rows.map((r: any) => r.status)).toEqual(Array(20).fill("succeeded"));
    expect(rows.map((r: any) => r.reply)).toEqual(Array.from({ length: 20 }, (_, k) => `task ${k}`));
    expect(new Set(rows.map((r: any) => r.task_id)).size).toBe(20);
    expect(await laneShells(0)).toBe(1);
  });

  it("kills a command's background job when the command ends by itself", async () => {
    const res = await server.call("run_command", { command: "sleep 300 & echo left", host: "h02" });
    expect(res.structuredContent.results[0]).toMatchObject({ status: "succeeded", reply: "left" });
    expect(await orphansAfter(fleet.lab, [fleet.lab.hosts[1]!], 3000)).toEqual([]);
  });

  it("caps output past output_cap_bytes to its head and tail, saying what was dropped", async () => {
    const res = await server.call("run_command", { command: "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done", host: "h02", output: "full" });
    const row = res.structuredContent.results[0];
    expect(row).toMatchObject({ status: "succeeded", truncated: true });
    expect(row.stdout.startsWith("line 0\nline 1\n")).toBe(true);
    expect(row.stdout.endsWith("line 1998\nline 1999\n")).toBe(true);
    const total = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join("").length;
    expect(row.stdout).toContain(`[… ${total - 4096} bytes dropped …]`);
  });

  it("kills a command that writes past max_output_bytes when its watchdog is armed, a second in", async () => {
    const started = Date.now();
    const res = await server.call("run_command", { command: "head -c 3000000 /dev/zero; sleep 300", host: "h04", timeout_s: 60 });
    expect(res.structuredContent.results[0]).toMatchObject({ status: "failed", truncated: true });
    expect(res.structuredContent.results[0].error).toMatch(/wrote more than tasks.max_output_bytes on h04/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await orphansAfter(fleet.lab, [fleet.lab.hosts[3]!], 3000)).toEqual([]);
  });

  it("still ends a command at its timeout on its host when the server dies as it starts (before its watchdog is armed)", async () => {
    const res = await server.call("run_command", { command: "sleep 300", host: "h03", timeout_s: 3, wait_s: 0 });
    const id = res.structuredContent.results[0].task_id;
    const dir = taskDir(fleet.lab.hosts[2]!, id);
    expect(await waitFor(() => existsSync(`${dir}/pid`), 5000, 5)).toBe(true);
    process.kill(server.pid, "SIGKILL");
    await server.exited;
    expect(await waitFor(() => existsSync(`${dir}/exit`), 8000, 100)).toBe(true);
    expect(existsSync(`${dir}/timed_out`)).toBe(true);
    expect(await orphansAfter(fleet.lab, [fleet.lab.hosts[2]!], 3000)).toEqual([]);
    server = await spawnServer(configPath);
    const status = (await server.call("task_status", { task_id: id })).structuredContent;
    expect(status).toMatchObject({ task_id: id, status: "timed_out" });
  });

  it("leaves no task directory behind once the server has gone", async () => {
    const res = await server.call("run_command", { command: "true", hosts: ["h01", "h02", "h03"] });
    expect(res.structuredContent.summary).toMatchObject({ succeeded: 3 });
    await server.transport.close();
    await server.exited;
    expect(await waitFor(() => [0, 1, 2].every((i) => readdirSync(tasksDir(i)).length === 0), 5000)).toBe(true);
    expect(await waitFor(async () => (await laneShells(0)) === 0, 5000)).toBe(true);
    server = await spawnServer(configPath);
  });

  it("runs the command through the runner where the connection has no two task channels for a lane", async () => {
    const narrow = await spawnServer(narrowConfig);
    try {
      const res = await narrow.call("run_command", { command: "echo via runner", host: "h04" });
      expect(res.structuredContent.results[0]).toMatchObject({ status: "succeeded", reply: "via runner" });
      expect(await laneShells(3)).toBe(0);
    } finally {
      await narrow.transport.close();
    }
  });
});
