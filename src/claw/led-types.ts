import type { Deps } from "../deps.js";
import type { LedRequest, Pixel } from "./strip.js";

// The LED layer's shapes, apart from the registry (backend.ts) that builds a backend, so that the
// backends never import the registry that imports them.

/** What the LED layer needs of Deps: the config, a logger, and SSH transports for the `ssh` backend. */
export type ClawDeps = Pick<Deps, "config" | "logger"> & { fleet: Pick<Deps["fleet"], "transport"> };

/** The `cluster_led` result: the 8 pixels after the action, and the APA102 frame they make. */
export interface LedResult {
  backend: "sim" | "http" | "ssh";
  pixels: Pixel[];
  /** The frame as hex: start frame, 8 LED frames, end frame. */
  frame: string;
  /** `ssh` only: whether the host's driver drove GPIO or simulated (no GPIO chip there). */
  driver?: "gpio" | "sim";
}

/** One way to reach the strip; the tool and the activity surface see only this. */
export interface LedBackend {
  readonly name: LedResult["backend"];
  /** Whether single pixels can be set (`set`, the activity bar); the appliance's http API cannot. */
  readonly perPixel: boolean;
  run(req: LedRequest, signal?: AbortSignal): Promise<LedResult>;
}
