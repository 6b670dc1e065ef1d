import type { LedResult } from "../claw/led-types.js";
import type { Pixel } from "../claw/strip.js";
import { renderTable } from "./table.js";

/**
 * The strip for a person: on a colour terminal one coloured block per LED (a dim one for an LED
 * that is off), else a table of pixel, colour and brightness; then the backend that drew it.
 */
export function renderStrip(result: LedResult, colour: boolean): string {
  const backend = `${result.backend} backend${result.driver ? ` (driver: ${result.driver})` : ""}`;
  if (colour) return `${result.pixels.map(block).join(" ")}  ${backend}`;
  const rows = result.pixels.map((p) => [String(p.index), lit(p) ? hex(p) : "off", p.brightness.toFixed(2)]);
  return `${renderTable(["PIXEL", "COLOR", "BRIGHTNESS"], rows)}\n${backend}`;
}

function lit(p: Pixel): boolean {
  return p.brightness > 0 && p.r + p.g + p.b > 0;
}

function hex(p: Pixel): string {
  return `#${[p.r, p.g, p.b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

// A 24-bit colour block: the LED's colour at full strength (brightness would darken it to black on screen).
function block(p: Pixel): string {
  return lit(p) ? `\u001b[38;2;${p.r};${p.g};${p.b}m██\u001b[0m` : "\u001b[2m░░\u001b[0m";
}
