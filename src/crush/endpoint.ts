import type { FleetConfig } from "../config/schema.js";

/** Why a call to the inference endpoint failed; the message says what to do next. */
export type CrushFailure =
  | "config" // crush.* cannot be used as it is (no model, missing API key variable)
  | "unreachable" // nothing answered at the URL
  | "model_not_found" // the endpoint does not serve the model asked for
  | "not_openai" // something answered, but not the OpenAI API (HTML, wrong JSON)
  | "http" // the endpoint answered with an HTTP error
  | "dropped" // the connection closed before the stream ended
  | "timeout" // timeout_s ran out
  | "cancelled"; // the caller's AbortSignal fired

/** A failure of the ClusterCrush client, kept apart from MCP so the CLI reports it the same way. */
export class CrushError extends Error {
  constructor(
    readonly kind: CrushFailure,
    message: string,
  ) {
    super(message);
    this.name = "CrushError";
  }
}

/** Where the OpenAI-compatible API lives and how to authenticate to it. */
export interface Endpoint {
  /** The `/v1` base, without a trailing slash, e.g. `http://clustercrush:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
}

/** Reads `crush.base_url` and the key named by `crush.api_key_env`; the key itself never sits in the config. */
export function endpointFromConfig(crush: FleetConfig["crush"], env: NodeJS.ProcessEnv = process.env): Endpoint {
  const endpoint: Endpoint = { baseUrl: crush.base_url.replace(/\/+$/, "") };
  if (crush.api_key_env) {
    const key = env[crush.api_key_env];
    if (!key) {
      throw new CrushError("config", `crush.api_key_env names ${crush.api_key_env}, which is not set: export it or remove api_key_env`);
    }
    endpoint.apiKey = key;
  }
  return endpoint;
}

/** Ollama's native API sits beside its OpenAI one: `http://h:11434/v1` -> `http://h:11434`. */
export function ollamaRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** One deadline for one request: the caller's cancel, the timeout, and our own reason to stop reading. */
export interface Deadline {
  signal: AbortSignal;
  /** Stops the request from inside (a bad stream): the connection is closed. */
  abort(): void;
  /** The failure to report when the signal fired, or undefined while it has not. */
  reason(): "timeout" | "cancelled" | undefined;
  timeoutMs: number;
}

/** Joins a timeout and the caller's signal, so either one aborts the HTTP request and closes its connection. */
export function deadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  const own = new AbortController();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signals = [own.signal, timeout];
  if (signal) signals.push(signal);
  return {
    signal: AbortSignal.any(signals),
    abort: () => own.abort(),
    reason: () => (signal?.aborted ? "cancelled" : timeout.aborted ? "timeout" : undefined),
    timeoutMs,
  };
}

/** global fetch with the key, JSON body and the deadline; a network failure becomes `unreachable` naming the URL. */
export async function request(
  endpoint: Endpoint,
  url: string,
  init: { method?: "GET" | "POST"; body?: unknown; accept?: string },
  limit: Deadline,
): Promise<Response> {
  const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`;
  try {
    return await fetch(url, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: limit.signal,
    });
  } catch (err) {
    const cause = networkCause(err);
    throw (
      stopped(limit, url, "") ??
      (UNREACHABLE.test(cause)
        ? new CrushError("unreachable", `Crush endpoint unreachable at ${url} (${cause}): check crush.base_url and that the server runs`)
        : new CrushError("dropped", `Crush endpoint at ${url} closed the connection before answering (${cause}); try again, or check the server's log`))
    );
  }
}

// Causes that mean nothing answered at all (as opposed to a connection that opened and then broke).
const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT|bad port|invalid)/i;

/** Reads a whole (non-streamed) body; a deadline or a dropped connection becomes a CrushError. */
export async function readText(res: Response, url: string, limit: Deadline): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw stopped(limit, url, "") ?? new CrushError("dropped", `Connection to ${url} dropped while reading the answer (${networkCause(err)}); try again`);
  }
}

/** The timeout or cancel error when the deadline fired, with what had arrived so far. */
export function stopped(limit: Deadline, url: string, soFar: string): CrushError | undefined {
  const why = limit.reason();
  const tail = soFar ? `; received so far: ${excerpt(soFar)}` : "";
  if (why === "timeout") {
    return new CrushError("timeout", `Crush request timed out after ${limit.timeoutMs / 1000} s at ${url}${tail}; raise timeout_s or crush.timeout_s`);
  }
  if (why === "cancelled") return new CrushError("cancelled", `Crush request cancelled by the caller at ${url}${tail}`);
  return undefined;
}

/** A quoted, bounded excerpt of text for an error message. */
export function excerpt(text: string, max = 2000): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
