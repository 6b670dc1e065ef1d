import { describe, expect, it } from "vitest";
import { PidMarker } from "../../src/fleet/pid-marker.js";

describe("PidMarker", () => {
  it("takes the pid line out of stderr even when it arrives in pieces", async () => {
    const m = new PidMarker();
    const line = Buffer.from("\u001epcf-pid:4242\u001e\nreal error\n");
    expect(m.take(line.subarray(0, 5)).length).toBe(0);
    expect(m.take(line.subarray(5)).toString()).toBe("real error\n");
    expect(await m.pid(10)).toBe(4242);
  });

  it("passes stderr through untouched when no marker comes first", async () => {
    const m = new PidMarker();
    expect(m.take(Buffer.from("bash: warning\n")).toString()).toBe("bash: warning\n");
    expect(await m.pid(10)).toBeUndefined();
  });
});
