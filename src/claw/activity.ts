import { createLedBackend } from "./backend.js";
import type { ClawDeps, LedBackend } from "./led-types.js";
import { PIXEL_COUNT, type LedRequest } from "./strip.js";

/**
 * Fleet work shown on the strip (`claw.led.activity: true`): fanout, dispatch_task and deploy_host
 * call it as hosts finish. Every method returns at once and never throws; LED updates run in the
 * background, coalesced to the latest, and an LED failure is logged once at warn and turns the
 * display off for the rest of the run, so the work it decorates is never failed or slowed.
 */
export interface Activity {
  /** A run over `total` hosts begins: the bar starts empty. */
  start(total: number): void;
  /** One host finished: `succeeded` shows green, `failed` red, anything else (timed_out, unreachable, cancelled) amber. */
  hostDone(status: string): void;
  /**
   * The run ended: a green pulse when every host succeeded, else a red one. The promise settles
   * when the strip is updated or the update gave up; it never rejects, and callers need not await
   * it (the CLI may, before it exits).
   */
  finish(): Promise<void>;
}

/**
 * Ends a run's display and waits (at most `ms`) for the strip to show it, so that what the strip
 * shows agrees with the result handed back (and a CLI that exits next leaves it right); a slow strip
 * costs the call at most `ms`, and with the display off nothing at all.
 */
export async function finishWithin(activity: Activity, ms = 500): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([activity.finish(), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** How long one LED update may take in the background before it counts as failed. */
const LED_TIMEOUT_MS = 5000;

const quiet: Activity = { start() {}, hostDone() {}, finish: () => Promise.resolve() };

type Outcome = "green" | "amber" | "red";

/** The activity display for one run; a silent one when `claw.led.activity` is off or the backend cannot be built. */
export function createActivity(deps: ClawDeps): Activity {
  if (!deps.config.claw.led.activity) return quiet;
  let backend: LedBackend;
  try {
    backend = createLedBackend(deps);
  } catch (err) {
    deps.logger.warn({ err: messageOf(err) }, "LED activity display off: the LED backend cannot be used");
    return quiet;
  }
  let total = 0;
  const outcomes: Outcome[] = [];
  let pending: LedRequest | undefined;
  let draining = false;
  let dead = false;
  let drained = Promise.resolve();

  const drain = async () => {
    while (pending && !dead) {
      const req = pending;
      pending = undefined;
      try {
        await backend.run(req, AbortSignal.timeout(LED_TIMEOUT_MS));
      } catch (err) {
        dead = true;
        deps.logger.warn({ backend: backend.name, err: messageOf(err) }, "LED activity display off for the rest of this run");
      }
    }
    pending = undefined;
    draining = false;
  };
  const show = (req: LedRequest) => {
    if (dead) return;
    pending = req;
    if (!draining) {
      draining = true;
      drained = drain();
    }
  };
  const guarded = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      deps.logger.warn({ err: messageOf(err) }, `LED activity ${what} failed`);
    }
  };

  return {
    start: (count) =>
      guarded("start", () => {
        total = count;
        outcomes.length = 0;
        show(bar(backend, total, outcomes));
      }),
    hostDone: (status) =>
      guarded("update", () => {
        outcomes.push(status === "succeeded" ? "green" : status === "failed" ? "red" : "amber");
        show(bar(backend, total, outcomes));
      }),
    finish: () => {
      guarded("finish", () => show({ action: "pulse", kind: outcomes.every((o) => o === "green") ? "success" : "error" }));
      return drained;
    },
  };
}

/**
 * The bar of hosts done: each pixel stands for a slice of the hosts (in the order they finished)
 * and lights, in the worst colour of its slice, once all of them are done. The appliance's http
 * API has no pixels, so there the bar is its progress display in the worst colour so far.
 */
function bar(backend: LedBackend, total: number, outcomes: readonly Outcome[]): LedRequest {
  const n = Math.max(total, outcomes.length, 1);
  if (!backend.perPixel) return { action: "progress", percent: Math.round((outcomes.length / n) * 100), color: worst(outcomes) };
  const pixels = Array.from({ length: PIXEL_COUNT }, (_, index) => {
    const from = Math.floor((index * n) / PIXEL_COUNT);
    const to = Math.max(from + 1, Math.floor(((index + 1) * n) / PIXEL_COUNT));
    const done = outcomes.length >= to;
    return done ? { index, color: worst(outcomes.slice(from, to)) } : { index, color: "off", brightness: 0 };
  });
  return { action: "set", pixels };
}

function worst(outcomes: readonly Outcome[]): Outcome {
  return outcomes.includes("red") ? "red" : outcomes.includes("amber") ? "amber" : "green";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
