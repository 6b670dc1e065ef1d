import { describe, expect, it } from "vitest";
import { planRollout, rollout, type Launched } from "../../src/operations/rollout.js";
import { errorResult, NotLaunched, type HostResult, type TaskStatus } from "../../src/tasks/host-result.js";

/** A job that ends with `status` once launched, recording that it ran. */
function job(i: number, status: TaskStatus, ran: number[], gate: <T>(launch: () => Promise<T>) => Promise<T>): Launched {
  const result = gate(async () => {
    ran.push(i);
    return errorResult(`h${i}`, `t${i}`, status, status);
  }).catch((err: unknown) => (err instanceof NotLaunched ? errorResult(`h${i}`, `t${i}`, err.status, err.message) : errorResult(`h${i}`, `t${i}`, "failed", String(err))));
  return { taskId: `t${i}`, result: result as Promise<HostResult>, cancel: async () => undefined };
}

describe("planRollout", () => {
  it('splits 20 hosts at batch "25%" into 4 batches of 5', () => {
    expect(planRollout(20, { batch: "25%" }).batches.map((b) => b.length)).toEqual([5, 5, 5, 5]);
  });

  it("puts the canaries alone first, then the rest in batches", () => {
    const plan = planRollout(7, { canary: 1, batch: 3 });
    expect(plan.batches).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
    expect(plan.canary).toBe(1);
  });

  it("rounds a percentage budget down and a percentage batch up, at least 1", () => {
    expect(planRollout(15, { max_failures: "10%" }).maxFailures).toBe(1);
    expect(planRollout(3, { batch: "10%" }).batches.length).toBe(3);
    expect(planRollout(4, {}).batches).toEqual([[0, 1, 2, 3]]);
  });
});

describe("rollout", () => {
  it("starts no batch after the budget is passed; the rest end skipped, never launched", async () => {
    const ran: number[] = [];
    const roll = rollout(20, planRollout(20, { batch: 5, max_failures: 1 }), 4, (i, gate) => job(i, i === 1 || i === 3 ? "failed" : "succeeded", ran, gate));
    await roll.done;
    const rows = await Promise.all(roll.jobs.map((j) => j.result));
    expect(ran.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(rows.filter((r) => r.status === "skipped")).toHaveLength(15);
    expect(rows[19]!.error).toMatch(/past max_failures 1/);
  });

  it("starts nothing past a failed canary", async () => {
    const ran: number[] = [];
    const roll = rollout(5, planRollout(5, { canary: 1 }), 5, (i, gate) => job(i, i === 0 ? "unreachable" : "succeeded", ran, gate));
    await roll.done;
    expect(ran).toEqual([0]);
    expect((await roll.jobs[4]!.result).error).toMatch(/canary h0 unreachable/);
  });

  it("ends the jobs of batches not begun as cancelled when one of them is cancelled", async () => {
    const ran: number[] = [];
    const roll = rollout(4, planRollout(4, { batch: 2 }), 2, (i, gate) => job(i, "succeeded", ran, gate));
    await roll.jobs[3]!.cancel();
    const rows = await Promise.all(roll.jobs.map((j) => j.result));
    expect(rows.map((r) => r.status)).toEqual(["succeeded", "succeeded", "cancelled", "cancelled"]);
  });
});
