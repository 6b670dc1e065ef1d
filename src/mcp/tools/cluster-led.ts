import { z } from "zod";
import { createLedBackend } from "../../claw/backend.js";
import { ClawError } from "../../claw/claw-error.js";
import { defineTool, ToolError } from "../tool.js";

const color = z
  .string()
  .min(1)
  .max(16)
  .describe("A colour name (red, green, blue, amber, cyan, purple, white, off) or #rrggbb");
const brightness = z.number().min(0).max(1);

/** `cluster_led`: ClusterClaw's Blinkt! strip of 8 LEDs, on the backend claw.led.backend names (CONTRACT.md). */
export const clusterLedTool = defineTool({
  name: "cluster_led",
  title: "ClusterClaw LED strip",
  description:
    "Shows status on the appliance's 8-LED Blinkt! strip, or reads what it shows. Actions: set (some pixels, " +
    "given in pixels), fill (all pixels one color), progress (percent of the strip lit), pulse (a success or " +
    "error flash that ends lit), clear (all off), get (the current state, changing nothing). The http backend " +
    "(the appliance's LED API) has no per-pixel set and answers get with what this server last sent.",
  input: {
    action: z.enum(["set", "fill", "progress", "pulse", "clear", "get"]).describe("What to do with the strip"),
    pixels: z
      .array(
        z.object({
          index: z.number().int().min(0).max(7).describe("Pixel 0-7, 0 nearest the Pi's power connector"),
          color,
          brightness: brightness.optional().describe("0-1 for this pixel; default: brightness, else 0.2"),
        }),
      )
      .min(1)
      .max(8)
      .optional()
      .describe("For set: the pixels to change; the others keep what they show"),
    color: color.optional().describe("For fill (required), progress (default green) and pulse (default by kind)"),
    percent: z.number().min(0).max(100).optional().describe("For progress: 0-100, the share of the 8 pixels lit"),
    kind: z.enum(["success", "error"]).optional().describe("For pulse: success (green, default) or error (red)"),
    brightness: brightness.optional().describe("0-1 for every pixel the action lights; default 0.2 (LEDs are bright)"),
  },
  output: {
    backend: z.enum(["sim", "http", "ssh"]).describe("Which backend drew it (claw.led.backend)"),
    pixels: z
      .array(z.object({ index: z.number().int(), r: z.number().int(), g: z.number().int(), b: z.number().int(), brightness: z.number() }))
      .length(8)
      .describe("All 8 pixels after the action, index 0 first"),
    frame: z.string().describe("The APA102 frame as hex: start frame, 8 LED frames (brightness, blue, green, red), end frame"),
    driver: z.enum(["gpio", "sim"]).optional().describe("ssh backend: whether the host drove GPIO or simulated (no GPIO chip)"),
  },
  app: true,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    try {
      return await createLedBackend(ctx.deps).run(args, ctx.signal);
    } catch (err) {
      throw err instanceof ClawError ? new ToolError(err.message) : err;
    }
  },
});
