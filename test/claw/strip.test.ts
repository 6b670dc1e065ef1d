import { describe, expect, it } from "vitest";
import { ClawError } from "../../src/claw/claw-error.js";
import { parseColor } from "../../src/claw/color.js";
import { blankStrip, mergePatch, planAction } from "../../src/claw/strip.js";

describe("parseColor", () => {
  it("knows the appliance's names, in any case, and #rrggbb", () => {
    expect(parseColor("amber")).toEqual({ r: 255, g: 191, b: 0 });
    expect(parseColor("RED")).toEqual({ r: 255, g: 0, b: 0 });
    expect(parseColor("#FF8800")).toEqual({ r: 255, g: 136, b: 0 });
    for (const name of ["green", "blue", "cyan", "purple", "white", "off"]) expect(() => parseColor(name)).not.toThrow();
  });

  it("refuses anything else, listing what works", () => {
    expect(() => parseColor("pink")).toThrow(ClawError);
    expect(() => parseColor("#f80")).toThrow('Unknown colour "#f80": expected red, green, blue, amber, cyan, purple, white, off or #rrggbb');
  });
});

describe("planAction and mergePatch", () => {
  it("set changes only the pixels named, at the default brightness 0.2", () => {
    const state = mergePatch(blankStrip(), planAction({ action: "fill", color: "blue", brightness: 0.5 }));
    const next = mergePatch(state, planAction({ action: "set", pixels: [{ index: 3, color: "#ff8800" }] }));
    expect(next[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 0.2 });
    expect(next[2]).toEqual({ index: 2, r: 0, g: 0, b: 255, brightness: 0.5 });
    expect(next).toHaveLength(8);
  });

  it("progress lights that share of the strip and turns the rest off", () => {
    const next = mergePatch(blankStrip(), planAction({ action: "progress", percent: 50, color: "amber" }));
    expect(next.map((p) => p.brightness > 0)).toEqual([true, true, true, true, false, false, false, false]);
    expect(next[0]).toMatchObject({ r: 255, g: 191, b: 0 });
  });

  it("pulse ends lit in the colour of its kind, and asks to animate", () => {
    expect(planAction({ action: "pulse", kind: "error" })).toMatchObject({ pulse: true, pixels: Array(8).fill(expect.objectContaining({ r: 255, g: 0, b: 0 })) });
    expect(planAction({ action: "pulse" }).pixels[0]).toMatchObject({ r: 0, g: 255, b: 0 });
  });

  it("get changes nothing, clear turns everything off", () => {
    expect(planAction({ action: "get" })).toEqual({ pixels: [], pulse: false });
    expect(planAction({ action: "clear" }).pixels).toEqual(blankStrip());
  });

  it("refuses a request missing what its action needs, with the one-line reason", () => {
    expect(() => planAction({ action: "fill" })).toThrow("Expected color for action fill, got none");
    expect(() => planAction({ action: "set", pixels: [] })).toThrow("Expected pixels for action set, got none");
    expect(() => planAction({ action: "progress", percent: 120 })).toThrow("Expected percent to be 0-100, got 120");
    expect(() => planAction({ action: "set", pixels: [{ index: 8, color: "red" }] })).toThrow("Expected pixel index to be 0-7, got 8");
    expect(() => planAction({ action: "fill", color: "red", brightness: 1.5 })).toThrow("Expected brightness to be 0-1, got 1.5");
  });
});
