import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployAll, harness, orphansAfter, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";
import type { Harness } from "../helpers/mcp.js";

// A runaway task must not fill its host's disk: past tasks.max_output_bytes the host's own watchdog
// kills it, whatever its timeout, and the row says why.

const LIMIT = 4 * 1024 * 1024;
let fleet: FaultFleet;
let h: Harness;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 1 });
  h = await harness(fleet.configPath({ tasks: { output_cap_bytes: 64 * 1024, max_output_bytes: LIMIT } }));
  await deployAll(h, ["h01"]);
});

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

/** The number in "[… N bytes dropped …]". */
function dropped(text: string): number {
  const m = /\[… (\d+) bytes dropped …\]/.exec(text);
  return m ? Number(m[1]) : 0;
}

describe("fault: a task writing without end on its host", () => {
  it("is killed by the host's watchdog once past tasks.max_output_bytes, long before its timeout", async () => {
    const started = Date.now();
    const res = await h.call("dispatch_task", { host: "h01", task: "flood", timeout_s: 120, wait_s: 30 });
    const elapsed = Date.now() - started;
    const r = res.structuredContent;
    expect(r).toMatchObject({ host: "h01", status: "failed", truncated: true, reply: "" });
    expect(r.error).toMatch(/more than tasks\.max_output_bytes on h01 and was killed/);
    expect(dropped(r.stdout)).toBeGreaterThan(LIMIT - 64 * 1024);
    expect(elapsed).toBeLessThan(10_000);
    expect(await orphansAfter(fleet.lab, fleet.lab.hosts)).toEqual([]);
    process.stderr.write(`[faults] output limit: killed after ${elapsed} ms, ${((dropped(r.stdout) + 64 * 1024) / 1e6).toFixed(1)} MB written (limit ${LIMIT / 1e6} MB)\n`);
  });

  it("leaves a task that stays under the limit alone", async () => {
    const res = await h.call("dispatch_task", { host: "h01", task: "lines 20000", timeout_s: 60 });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "printed 20000 lines" });
  });
});
