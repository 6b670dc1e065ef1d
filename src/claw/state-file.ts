import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { expandHome } from "../config/paths.js";
import { encodeFrame } from "./apa102.js";
import { blankStrip, mergePatch, PIXEL_COUNT, type Pixel, type StripPatch } from "./strip.js";

/** Where the strip state is kept when `claw.led.state_file` is not set (on the orchestrator, or on claw.host for ssh). */
export const DEFAULT_STATE_FILE = "~/.local/state/picoclaw-fleet/blinkt.json";

/** `claw.led.state_file` (or the default) with a leading `~/` made absolute, for the orchestrator's own files. */
export function localStatePath(configured: string | undefined): string {
  return expandHome(configured ?? DEFAULT_STATE_FILE);
}

/** The APA102 bytes of a state as lowercase hex: what the strip was (or would be) sent. */
export function frameHex(pixels: readonly Pixel[]): string {
  return encodeFrame(pixels).toString("hex");
}

// The kept state, or all LEDs off when the file is missing or not ours.
async function readState(path: string): Promise<Pixel[]> {
  try {
    const json = JSON.parse(await readFile(path, "utf8")) as { pixels?: unknown };
    const pixels = json.pixels;
    if (Array.isArray(pixels) && pixels.length === PIXEL_COUNT && pixels.every(isPixel)) return pixels;
  } catch {
    // A missing or unreadable file means nothing was shown yet.
  }
  return blankStrip();
}

// One read-modify-write at a time per file within this process (a tool call and an activity may overlap).
const queues = new Map<string, Promise<unknown>>();

/**
 * Applies a patch to the state file and returns the new state; the file holds the pixels and
 * their APA102 frame, written whole (temp file + rename) so a reader never sees half of it.
 */
export function updateState(path: string, patch: StripPatch): Promise<Pixel[]> {
  const run = async () => {
    const next = mergePatch(await readState(path), patch);
    if (patch.pixels.length === 0) return next;
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    const body = { pixels: next, frame: frameHex(next), updated_at: new Date().toISOString() };
    await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`);
    await rename(temp, path);
    return next;
  };
  const result = (queues.get(path) ?? Promise.resolve()).then(run, run);
  const tail = result.catch(() => undefined);
  queues.set(path, tail);
  void tail.then(() => queues.get(path) === tail && queues.delete(path));
  return result;
}

function isPixel(p: unknown): p is Pixel {
  if (typeof p !== "object" || p === null) return false;
  const { index, r, g, b, brightness } = p as Record<string, unknown>;
  return [index, r, g, b, brightness].every((v) => typeof v === "number");
}
