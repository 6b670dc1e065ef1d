import { createLedBackend } from "../claw/backend.js";
import { ClawError } from "../claw/claw-error.js";
import type { Deps } from "../deps.js";
import { LED_USAGE, LedUsageError, parseLedArgs } from "./led-args.js";
import { renderStrip } from "./led-view.js";
import { writeOutput } from "./table.js";

/**
 * `picoclaw-fleet led <action> [args]`: the `cluster_led` tool for a person, on the backend
 * `claw.led.backend` names. Prints the 8 pixels after the action (`--json`: the tool's result).
 * Exit 2 for a command line that says nothing doable, 1 when the LED layer refuses or fails.
 */
export async function ledCommand(deps: Deps, args: { json: boolean; args: string[]; brightness?: string }): Promise<number> {
  try {
    const result = await createLedBackend(deps).run(parseLedArgs(args.args, args.brightness));
    const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
    writeOutput(args.json, result, () => renderStrip(result, colour));
    return 0;
  } catch (err) {
    if (err instanceof LedUsageError) {
      process.stderr.write(`led: ${err.message}\nUsage: picoclaw-fleet ${LED_USAGE} [--brightness 0-1] [--json]\n`);
      return 2;
    }
    if (err instanceof ClawError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
