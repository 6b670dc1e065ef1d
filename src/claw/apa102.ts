/** One APA102 pixel: 8-bit channels and a 0-1 brightness (sent as the chip's 5-bit global brightness). */
export interface FramePixel {
  r: number;
  g: number;
  b: number;
  brightness: number;
}

/** The 5-bit brightness field for a 0-1 brightness, rounded half up (the Python driver does the same). */
export function brightness5(brightness: number): number {
  return Math.floor(Math.min(1, Math.max(0, brightness)) * 31 + 0.5);
}

/**
 * Encodes pixels as one APA102 frame, per the datasheet: a start frame of 32 zero bits; per LED
 * `0b111` + 5-bit brightness, then blue, green, red; an end frame of 32 one bits, which gives the
 * extra clock edges the last LEDs need to latch. Pure, so the sim backend, the tests and the SSH
 * driver (which mirrors it in Python) agree byte for byte.
 */
export function encodeFrame(pixels: readonly FramePixel[]): Buffer {
  const frame = Buffer.alloc(4 + pixels.length * 4 + 4);
  pixels.forEach((p, i) => {
    const at = 4 + i * 4;
    frame[at] = 0b1110_0000 | brightness5(p.brightness);
    frame[at + 1] = channel(p.b);
    frame[at + 2] = channel(p.g);
    frame[at + 3] = channel(p.r);
  });
  frame.fill(0xff, 4 + pixels.length * 4);
  return frame;
}

function channel(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}
