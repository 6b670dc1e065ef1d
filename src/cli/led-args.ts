import type { LedRequest } from "../claw/strip.js";

/** What the `led` verb takes, for --help and for the message of a wrong command line. */
export const LED_USAGE = "led set <0-7> <color> [<0-7> <color>…] | fill <color> | progress <0-100> [color] | pulse [success|error] | clear | get";

/** A `led` command line that does not say what to do; the verb exits 2 with the usage. */
export class LedUsageError extends Error {
  override name = "LedUsageError";
}

/**
 * Turns `led <action> [args]` (and `--brightness`) into the `cluster_led` request; ranges and
 * colours are checked by the LED layer itself, as they are for the tool.
 */
export function parseLedArgs(args: readonly string[], brightness?: string): LedRequest {
  const [action, ...rest] = args;
  const level = brightness === undefined ? {} : { brightness: number(brightness, "--brightness") };
  const none = (req: LedRequest): LedRequest => (rest.length ? fail(`${action} takes no arguments, got ${rest.join(" ")}`) : req);
  switch (action) {
    case "set": {
      if (rest.length === 0 || rest.length % 2 !== 0) fail("set takes pairs of pixel and colour, e.g. led set 3 '#ff8800'");
      const pixels = [];
      for (let i = 0; i < rest.length; i += 2) pixels.push({ index: integer(rest[i]!, "pixel"), color: rest[i + 1]! });
      return { action, pixels, ...level };
    }
    case "fill":
      if (rest.length !== 1) fail("fill takes one colour, e.g. led fill amber");
      return { action, color: rest[0]!, ...level };
    case "progress":
      if (rest.length < 1 || rest.length > 2) fail("progress takes a percent and an optional colour, e.g. led progress 40 cyan");
      return { action, percent: number(rest[0]!, "percent"), ...(rest[1] ? { color: rest[1] } : {}), ...level };
    case "pulse": {
      const kind = rest[0] ?? "success";
      if (rest.length > 1 || (kind !== "success" && kind !== "error")) fail(`pulse takes success or error, got ${rest.join(" ")}`);
      return { action, kind, ...level };
    }
    case "clear":
    case "get":
      return none({ action, ...level });
    default:
      return fail(action ? `unknown action "${action}"` : "no action given");
  }
}

function number(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) fail(`${what} must be a number, got "${text}"`);
  return value;
}

function integer(text: string, what: string): number {
  if (!/^\d+$/.test(text)) fail(`${what} must be 0-7, got "${text}"`);
  return Number(text);
}

function fail(message: string): never {
  throw new LedUsageError(message);
}
