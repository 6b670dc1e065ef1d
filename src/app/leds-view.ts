import type { LedResult } from "../claw/led-types.js";
import { h } from "./dom.js";

/** The names cluster_led takes, for a pixel whose colour is one of them; `#rrggbb` otherwise. */
const NAMES: Record<string, string> = {
  "255,0,0": "red",
  "0,255,0": "green",
  "0,0,255": "blue",
  "255,191,0": "amber",
  "0,255,255": "cyan",
  "128,0,255": "purple",
  "255,255,255": "white",
};

function colourName(r: number, g: number, b: number): string {
  return NAMES[`${r},${g},${b}`] ?? `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The 8 Blinkt! LEDs, index 0 first: each a disc in its colour, as bright as it is lit (never fully
 * dark, so a dim LED still shows its hue), and under it the index, the colour's name and the
 * brightness in words, so colour is never the only signal.
 */
export function ledsView(leds: LedResult): HTMLElement[] {
  const strip = h(
    "ol",
    { class: "strip", "aria-label": "LED strip" },
    leds.pixels.map((p) => {
      const off = p.brightness === 0 || p.r + p.g + p.b === 0;
      const name = off ? "off" : colourName(p.r, p.g, p.b);
      const disc = h("span", { class: `led${off ? " led-off" : ""}`, "aria-hidden": "true" });
      if (!off) {
        // CSSOM, not a style attribute: the page's CSP allows no inline style attributes.
        disc.style.setProperty("--led", `rgb(${p.r} ${p.g} ${p.b})`);
        disc.style.setProperty("--lit", String(0.35 + 0.65 * p.brightness));
      }
      return h("li", { "data-led": p.index, "data-colour": name }, disc, h("span", { class: "led-label" }, `${p.index} ${name}${off ? "" : ` ${Math.round(p.brightness * 100)}%`}`));
    }),
  );
  return [strip, h("p", { class: "dim" }, `backend: ${leds.backend}${leds.driver ? ` (${leds.driver})` : ""}`)];
}
