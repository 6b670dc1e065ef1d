import type { LedBackend } from "./led-types.js";
import { ClawError } from "./claw-error.js";
import { frameHex, updateState } from "./state-file.js";
import { planAction, type LedRequest } from "./strip.js";

/** How long one request to the LED API may take before it counts as unreachable. */
const REQUEST_TIMEOUT_MS = 5000;

/**
 * The `http` backend: the appliance's own LED API (led_api.py on ClusterClaw, port 7777). It has
 * no per-pixel call and cannot be read back, so `set` is refused and `get` answers from a mirror
 * of what this server last sent, kept in the local state file.
 */
export function httpBackend(baseUrl: string, mirrorPath: string): LedBackend {
  const root = baseUrl.replace(/\/+$/, "");
  return {
    name: "http",
    perPixel: false,
    async run(req, signal) {
      const patch = planAction(req);
      const call = endpointFor(req);
      if (call) await post(`${root}${call.path}`, call.body, signal);
      const pixels = await updateState(mirrorPath, patch);
      return { backend: "http", pixels, frame: frameHex(pixels) };
    },
  };
}

// The led_api.py call for an action; none for `get`, which the API cannot answer.
function endpointFor(req: LedRequest): { path: string; body: object } | undefined {
  switch (req.action) {
    case "set":
      throw new ClawError(
        "Per-pixel set is not offered by the appliance's LED API (http backend): use fill or progress, or set claw.led.backend to \"ssh\" to drive each pixel",
      );
    case "fill":
      return { path: "/set_status", body: { color: req.color, duration: 0 } };
    case "progress":
      return { path: "/set_progress", body: { percent: req.percent, color: req.color ?? "green" } };
    case "pulse":
      return { path: req.kind === "error" ? "/pulse_error" : "/pulse_success", body: {} };
    case "clear":
      return { path: "/clear", body: {} };
    case "get":
      return undefined;
  }
}

async function post(url: string, body: object, signal?: AbortSignal): Promise<void> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (signal?.aborted) throw new ClawError(`LED request cancelled: ${url}`);
    const cause = timeout.aborted ? `no answer in ${REQUEST_TIMEOUT_MS / 1000} s` : causeOf(err);
    throw new ClawError(`LED API unreachable at ${url} (${cause}): check claw.led.url and that led_api.py runs on ClusterClaw`);
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) throw new ClawError(`LED API answered HTTP ${res.status} at ${url}: ${text.slice(0, 200)}`);
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
