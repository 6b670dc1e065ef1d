import { describe, expect, it } from "vitest";
import { ChannelGate } from "../../src/fleet/channel-gate.js";

describe("ChannelGate", () => {
  it("tryTask leaves the reserved channels to control, and says no at once when tasks hold the rest", async () => {
    const gate = new ChannelGate(4, 2, () => undefined);
    const tasks = [gate.tryTask(), gate.tryTask()];
    expect(tasks.every(Boolean)).toBe(true);
    expect(gate.tryTask()).toBeUndefined();
    const controls = [await gate.control(), await gate.control()];
    expect(controls).toHaveLength(2);
    tasks[0]!();
    expect(gate.tryTask()).toBeDefined();
  });

  it("control waits its turn for any channel, first come first served, and an abort takes it out of the line", async () => {
    const gate = new ChannelGate(1, 0, () => undefined);
    const first = await gate.control();
    const order: string[] = [];
    const aborted = new AbortController();
    const second = gate.control().then((release) => (order.push("second"), release));
    const gone = gate.control(aborted.signal).catch(() => order.push("aborted"));
    const third = gate.control().then((release) => (order.push("third"), release));
    aborted.abort();
    await gone;
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(["aborted", "second", "third"]);
  });

  it("calls onIdle once the last channel is given back, and a release twice gives back one channel", async () => {
    let idle = 0;
    const gate = new ChannelGate(2, 1, () => idle++);
    const task = gate.tryTask()!;
    const control = await gate.control();
    task();
    task();
    expect(idle).toBe(0);
    expect(gate.busy).toBe(true);
    control();
    expect(idle).toBe(1);
    expect(gate.busy).toBe(false);
  });
});
