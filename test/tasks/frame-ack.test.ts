import { describe, expect, it } from "vitest";
import { frameAck } from "../../src/tasks/frame-ack.js";
import { FRAME_END, RUNNER_ACK } from "../../src/tasks/remote-scripts.js";

const settled = async (p: Promise<string>) => Promise.race([p, new Promise((r) => setTimeout(() => r("(pending)"), 20))]);

describe("frameAck: the orchestrator's answer to a runner, once its whole result went by", () => {
  it("answers ok after the frame's end marker, even split across chunks", async () => {
    const ack = frameAck(true);
    const frame = Buffer.from(`\u001epcf state=done exit=0\n\u001epcf out 3 head\naGk=\n${FRAME_END}`);
    for (let i = 0; i < frame.length; i += 3) ack.onStdout(frame.subarray(i, i + 3));
    expect(await settled(ack.stdinEnd)).toBe(RUNNER_ACK);
  });

  it("says nothing (keeps the directory) when the task directory is to be kept", async () => {
    const ack = frameAck(false);
    ack.onStdout(Buffer.from(FRAME_END));
    expect(await settled(ack.stdinEnd)).toBe("");
  });

  it("waits while the frame is incomplete", async () => {
    const ack = frameAck(true);
    ack.onStdout(Buffer.from("\u001epcf state=done exit=0\n\u001epcf out 3 head\naGk=\n\u001epcf en"));
    expect(await settled(ack.stdinEnd)).toBe("(pending)");
  });
});
