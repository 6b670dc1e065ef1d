import { describe, expect, it } from "vitest";
import { brightness5, encodeFrame } from "../../src/claw/apa102.js";

const off = { r: 0, g: 0, b: 0, brightness: 0 };

describe("encodeFrame (APA102 datasheet layout)", () => {
  it("is a 32-bit start frame of zeros, one 32-bit frame per LED, and a 32-bit end frame of ones", () => {
    const frame = encodeFrame(Array(8).fill(off));
    expect(frame.length).toBe(4 + 8 * 4 + 4);
    expect([...frame.subarray(0, 4)]).toEqual([0x00, 0x00, 0x00, 0x00]);
    expect([...frame.subarray(36)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    for (let led = 0; led < 8; led++) expect(frame[4 + led * 4]! >> 5, `LED ${led} header`).toBe(0b111);
  });

  it("sends each LED as 0b111 + 5-bit brightness, then blue, green, red", () => {
    const frame = encodeFrame([off, { r: 0x12, g: 0x34, b: 0x56, brightness: 1 }]);
    expect([...frame.subarray(8, 12)]).toEqual([0b1111_1111, 0x56, 0x34, 0x12]);
    expect([...frame.subarray(4, 8)]).toEqual([0b1110_0000, 0, 0, 0]);
  });

  it("keeps LED order: the first pixel is the first LED frame after the start frame", () => {
    const frame = encodeFrame([{ r: 255, g: 0, b: 0, brightness: 1 }, { r: 0, g: 0, b: 255, brightness: 1 }]);
    expect(frame.toString("hex")).toBe("00000000" + "ff0000ff" + "ffff0000" + "ffffffff");
  });

  it("maps brightness 0-1 onto 0-31, rounding half up and clamping", () => {
    expect([0, 0.2, 0.5, 1].map(brightness5)).toEqual([0, 6, 16, 31]);
    expect(brightness5(-1)).toBe(0);
    expect(brightness5(2)).toBe(31);
  });

  it("clamps and rounds channels into a byte", () => {
    const frame = encodeFrame([{ r: 300, g: -5, b: 127.6, brightness: 0.2 }]);
    expect([...frame.subarray(4, 8)]).toEqual([0xe0 | 6, 128, 0, 255]);
  });
});
