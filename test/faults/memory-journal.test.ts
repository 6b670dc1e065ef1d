import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll, harness, spawnServer, startFaultFleet, waitFor, type FaultFleet, type SpawnedServer } from "../lab/fault-kit.js";

// Many tasks with large outputs must not pile up in the server: a finished result is the journal's
// to keep (and the journal is bounded), not memory's for the life of the process.

const TASKS = 180;
const LIMIT = 64 * 1024;
let fleet: FaultFleet;
let server: SpawnedServer | undefined;

/** The server's resident set, in MB, as the kernel counts it. */
function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  return Math.round(kb / 1024);
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 6 });
  const h = await harness(fleet.configPath());
  await deployAll(h, fleet.lab.hosts.map((x) => x.name));
  await h.close();
});

afterAll(async () => {
  if (server) process.kill(server.pid, "SIGKILL");
  await fleet?.stop();
});

/** About 1 MiB on stdout: 15 000 lines of ~70 bytes, then a last line. */
const MIB = `awk 'BEGIN { for (i = 1; i <= 15000; i++) printf "%s log line %d of 15000\\n", "12:00:00 INF agent pkg/agent/pipeline_llm.go:212 >", i }'; echo printed 15000 lines`;

describe("fault: many tasks with 1 MiB of output each", () => {
  it(`${TASKS} tasks printing 1 MiB each, three times: RSS stays bounded, the journal stays within twice journal_max_bytes, and a result is still read back`, async () => {
    const journal = join(fleet.lab.dir, "memory.jsonl");
    server = await spawnServer(fleet.configPath({ tasks: { journal, journal_max_bytes: LIMIT } }));
    const before = rssMb(server.pid);
    const hosts = fleet.lab.hosts.map((x) => x.name);
    /** Runs TASKS commands printing about 1 MiB (15 000 lines of ~70 bytes) until all are final; returns the RSS then. */
    const round = async (): Promise<number> => {
      for (let i = 0; i < TASKS; i += 30) {
        const batch = Array.from({ length: Math.min(30, TASKS - i) }, (_, j) => hosts[(i + j) % hosts.length]);
        await Promise.all(batch.map((host) => server!.call("run_command", { host, command: MIB, wait_s: 0, timeout_s: 120 })));
      }
      const done = async () => (await server!.call("task_list", { status: "running" })).structuredContent.tasks.length === 0;
      expect(await waitFor(done, 180_000, 1000)).toBe(true);
      await new Promise((r) => setTimeout(r, 2000));
      return rssMb(server!.pid);
    };
    const first = await round();
    const second = await round();
    const third = await round();
    const journalBytes = sizeOf(journal) + sizeOf(`${journal}.1`);
    process.stderr.write(`[faults] memory: RSS ${before} MB at start, ${first} MB after ${TASKS} tasks of 1 MiB, ${second} MB after ${2 * TASKS}, ${third} MB after ${3 * TASKS}; journal ${journalBytes} bytes (limit ${LIMIT})\n`);
    // Generous bounds: what is asserted is that finished results do not pile up, not a figure.
    expect(Math.min(second, third)).toBeLessThan(600);
    // RSS is a high-water mark: it follows how many 1 MiB results were in flight at once, and one round
    // may spike by 100 MB or more on a loaded machine. Results kept would add 180 MiB or more every
    // round, so neither later round would come back near the first.
    expect(Math.min(second, third) - first).toBeLessThan(150);
    expect(journalBytes).toBeLessThanOrEqual(2 * LIMIT);

    // A task after all that still comes back final through task_status, reply and output head and tail kept.
    const last = (await server.call("run_command", { host: hosts[0], command: MIB, wait_s: 30 })).structuredContent.results[0];
    const row = await server.call("task_status", { task_id: last.task_id });
    expect(row.structuredContent, JSON.stringify(row.content).slice(0, 500)).toMatchObject({ status: "succeeded", truncated: true });
    expect(row.structuredContent.reply.endsWith("printed 15000 lines")).toBe(true);
    expect(row.structuredContent.stdout).toContain("log line 1 of 15000");
    expect(row.structuredContent.stdout).toContain("log line 15000 of 15000");
  }, 420_000);
});
