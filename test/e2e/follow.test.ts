import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { ROOT } from "../helpers/mcp-json.js";
import { harness, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";

// Following a task live: task_logs with since over MCP, and `picoclaw-fleet logs --follow --jsonl`.
const run = promisify(execFile);
let fleet: FaultFleet;
let configPath: string;
let h: Harness;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 2 });
  configPath = fleet.configPath();
  h = await harness(configPath);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

/** A command printing `n` lines, each with the host's clock in ms, one every `everyMs`. */
const ticker = (n: number, everyMs: number) => `i=1; while [ $i -le ${n} ]; do echo "tick $i $(date +%s%3N)"; i=$((i + 1)); sleep ${everyMs / 1000}; done`;

describe("following a task", () => {
  it("task_logs with since returns only what came after, whole lines, until complete", async () => {
    const started = await h.call("run_command", { host: "h01", command: ticker(8, 250), wait_s: 0 });
    const id = started.structuredContent.results[0].task_id;
    const seen: string[] = [];
    let since = 0;
    let complete = false;
    const deadline = Date.now() + 15_000;
    while (!complete && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 400));
      const page = (await h.call("task_logs", { task_id: id, since })).structuredContent;
      expect(page.stream).toBe("out");
      expect(page.next_since).toBeGreaterThanOrEqual(since);
      seen.push(...page.lines);
      since = page.next_since;
      complete = page.complete;
    }
    expect(complete).toBe(true);
    expect(seen.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(Array.from({ length: 8 }, (_, i) => `tick ${i + 1}`));
    const again = (await h.call("task_logs", { task_id: id, since })).structuredContent;
    expect(again).toMatchObject({ lines: [], complete: true, next_since: since });
  });

  it("logs --follow --jsonl shows each line within 500 ms of its being written, and ends with the task", async () => {
    const cli = (...args: string[]) => run("node", ["dist/cli.js", "--config", configPath, ...args], { cwd: ROOT });
    const { stdout } = await cli("run", ticker(10, 200), "--hosts", "h02", "--wait", "0", "--json");
    const id = JSON.parse(stdout).results[0].task_id;
    const follow = spawn("node", ["dist/cli.js", "--config", configPath, "logs", id, "--follow", "--jsonl"], { cwd: ROOT });
    const lags: number[] = [];
    let end: any;
    let buffer = "";
    follow.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const record = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (record.event === "end") end = record;
        // The first lines may already be there when following starts: only lines written after count.
        else if (Number(record.line.split(" ")[1]) > 2) lags.push(Date.now() - Number(record.line.split(" ")[2]));
      }
    });
    let stderr = "";
    follow.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => follow.on("close", resolve));
    expect(code, `${stderr} ${JSON.stringify(end)} ${buffer}`).toBe(0);
    expect(end).toMatchObject({ task_id: id, event: "end", status: "succeeded", exit_code: 0 });
    expect(lags.length).toBeGreaterThanOrEqual(7);
    expect(Math.max(...lags)).toBeLessThan(500);
  });
});
