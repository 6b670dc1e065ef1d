import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { deployedFleet, type FaultFleet } from "../lab/fault-kit.js";

// Issue 16, item 5: `teardown: true` on a fan-out tears each host down once, after its last task of
// the call, never from under the call's other tasks there.

let fleet: FaultFleet;
let h: Harness;

beforeAll(async () => {
  ({ fleet, h } = await deployedFleet(2));
}, 120_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

const binary = (i: number) => join(fleet.lab.hosts[i]!.home, ".local", "bin", "picoclaw");

describe("fault: teardown: true on a fan-out", () => {
  it("six tasks on one host with concurrency 3 all succeed, and PicoClaw is gone only after the last", async () => {
    const tasks = [1, 1, 1, 2, 2, 2].map((s) => ({ host: "h01", task: `sleep ${s}` }));
    const res = await h.call("fanout", { tasks: [...tasks, { host: "h02", task: "sleep 1" }], teardown: true, concurrency: 3, wait_s: 50 });
    const rows = res.structuredContent.results as { host: string; status: string; error?: string }[];
    expect(rows.filter((r) => r.status !== "succeeded")).toEqual([]);
    expect(existsSync(binary(0))).toBe(false);
    expect(existsSync(binary(1))).toBe(false);
  });
});
