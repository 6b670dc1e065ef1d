import { ClawError } from "./claw-error.js";
import { parseColor, type Rgb } from "./color.js";

/** Blinkt! has 8 LEDs, index 0 nearest the Pi's power connector. */
export const PIXEL_COUNT = 8;

/** Brightness when none is given: the Blinkt! library's own default, comfortable to look at. */
const DEFAULT_BRIGHTNESS = 0.2;

/** One LED as `cluster_led` reports it. */
export interface Pixel extends Rgb {
  index: number;
  /** 0-1; the LED gets it as a 5-bit value. */
  brightness: number;
}

/** One `cluster_led` call (the tool input, and the `led` verb's arguments). */
export interface LedRequest {
  action: "set" | "fill" | "progress" | "pulse" | "clear" | "get";
  /** For `set`: the pixels to change; the others keep their state. */
  pixels?: { index: number; color: string; brightness?: number }[];
  /** For `fill` (required) and `progress` (default green), or the colour of a `pulse`. */
  color?: string;
  /** For `progress`: 0-100, lighting that share of the 8 pixels. */
  percent?: number;
  /** For `pulse`: success (green, the default) or error (red). */
  kind?: "success" | "error";
  /** 0-1 for every pixel the action lights; default 0.2. */
  brightness?: number;
}

/**
 * What an action changes: the pixels to overwrite (none for `get`) and whether to animate a pulse.
 * Backends merge it into the state they keep, so `set` changes one LED and leaves the rest.
 */
export interface StripPatch {
  pixels: Pixel[];
  pulse: boolean;
}

/** All eight LEDs off. */
export function blankStrip(): Pixel[] {
  return Array.from({ length: PIXEL_COUNT }, (_, index) => ({ index, r: 0, g: 0, b: 0, brightness: 0 }));
}

/** Turns a request into the patch every backend applies; refuses a request missing what its action needs. */
export function planAction(req: LedRequest): StripPatch {
  const level = unit(req.brightness ?? DEFAULT_BRIGHTNESS, "brightness");
  switch (req.action) {
    case "get":
      return { pixels: [], pulse: false };
    case "clear":
      return { pixels: blankStrip(), pulse: false };
    case "fill":
      return { pixels: fill(parseColor(need(req.color, "color", "fill")), level, PIXEL_COUNT), pulse: false };
    case "pulse": {
      const color = parseColor(req.color ?? (req.kind === "error" ? "red" : "green"));
      return { pixels: fill(color, level, PIXEL_COUNT), pulse: true };
    }
    case "progress": {
      const percent = need(req.percent, "percent", "progress");
      if (!(percent >= 0 && percent <= 100)) throw new ClawError(`Expected percent to be 0-100, got ${percent}`);
      const lit = Math.round((percent / 100) * PIXEL_COUNT);
      return { pixels: fill(parseColor(req.color ?? "green"), level, lit), pulse: false };
    }
    case "set": {
      const wanted = need(req.pixels?.length ? req.pixels : undefined, "pixels", "set");
      const pixels = wanted.map((p) => {
        if (!Number.isInteger(p.index) || p.index < 0 || p.index >= PIXEL_COUNT) {
          throw new ClawError(`Expected pixel index to be 0-${PIXEL_COUNT - 1}, got ${p.index}`);
        }
        return { index: p.index, ...parseColor(p.color), brightness: unit(p.brightness ?? level, "brightness") };
      });
      return { pixels, pulse: false };
    }
  }
}

/** The state after a patch: patched pixels replaced by index, the others kept. */
export function mergePatch(state: readonly Pixel[], patch: StripPatch): Pixel[] {
  const next = blankStrip().map((blank) => state.find((p) => p.index === blank.index) ?? blank);
  for (const p of patch.pixels) next[p.index] = { ...p };
  return next;
}

// The first `count` pixels lit with one colour, the rest off.
function fill(color: Rgb, brightness: number, count: number): Pixel[] {
  return blankStrip().map((p) => (p.index < count ? { index: p.index, ...color, brightness } : p));
}

function need<T>(value: T | undefined, field: string, action: string): T {
  if (value === undefined) throw new ClawError(`Expected ${field} for action ${action}, got none`);
  return value;
}

function unit(value: number, field: string): number {
  if (!(value >= 0 && value <= 1)) throw new ClawError(`Expected ${field} to be 0-1, got ${value}`);
  return value;
}
