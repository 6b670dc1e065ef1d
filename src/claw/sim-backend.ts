import type { LedBackend } from "./led-types.js";
import { frameHex, updateState } from "./state-file.js";
import { planAction } from "./strip.js";

/**
 * The `sim` backend: the same patches and APA102 frames as the strip would get, rendered into a
 * JSON state file on this machine, for people without the hardware and for tests.
 */
export function simBackend(statePath: string): LedBackend {
  return {
    name: "sim",
    perPixel: true,
    async run(req) {
      const pixels = await updateState(statePath, planAction(req));
      return { backend: "sim", pixels, frame: frameHex(pixels) };
    },
  };
}
