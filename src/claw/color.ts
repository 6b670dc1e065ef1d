import { ClawError } from "./claw-error.js";

/** One colour as the LEDs take it, each channel 0-255. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/**
 * The appliance's colour names (its led_api.py speaks the same ones), plus `off`. Amber is the
 * signal amber #ffbf00; purple leans blue (#8000ff) because an APA102's red swamps a half-red mix.
 */
const COLORS: Readonly<Record<string, Rgb>> = {
  red: { r: 255, g: 0, b: 0 },
  green: { r: 0, g: 255, b: 0 },
  blue: { r: 0, g: 0, b: 255 },
  amber: { r: 255, g: 191, b: 0 },
  cyan: { r: 0, g: 255, b: 255 },
  purple: { r: 128, g: 0, b: 255 },
  white: { r: 255, g: 255, b: 255 },
  off: { r: 0, g: 0, b: 0 },
};

/** Parses a colour name (any case) or `#rrggbb`; refuses anything else with the list of what works. */
export function parseColor(text: string): Rgb {
  const name = text.trim().toLowerCase();
  const known = COLORS[name];
  if (known) return { ...known };
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(name);
  if (hex) return { r: parseInt(hex[1]!, 16), g: parseInt(hex[2]!, 16), b: parseInt(hex[3]!, 16) };
  throw new ClawError(`Unknown colour ${JSON.stringify(text)}: expected ${Object.keys(COLORS).join(", ")} or #rrggbb`);
}
