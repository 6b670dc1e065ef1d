const USER_AGENT = "picoclaw-fleet (+https://github.com/sipeed/picoclaw)";

/**
 * Request headers for the release API and its downloads. The GITHUB_TOKEN (raising the API's
 * rate limit, reaching private forks) is sent only to the API's own origin.
 */
export function githubHeaders(url: string, apiUrl: string, accept: string): Record<string, string> {
  const headers: Record<string, string> = { Accept: accept, "User-Agent": USER_AGENT };
  const token = process.env.GITHUB_TOKEN;
  // Security: a mirror or CDN on another origin never sees the token.
  if (token && new URL(url).origin === new URL(apiUrl).origin) headers.Authorization = `Bearer ${token}`;
  return headers;
}

/** How {@link fetchOrExplain} names what it asks, and how long it may wait for headers. */
export interface FetchPurpose {
  /** e.g. "the GitHub releases API", used in error messages. */
  what: string;
  /** Give up when no response arrives within this many ms. Default: no limit. */
  timeoutMs?: number;
}

/**
 * `fetch` that turns a network failure or a timeout into one line naming the URL and what to
 * check. An abort of `signal` is rethrown as is, so callers see their own reason.
 */
export async function fetchOrExplain(
  url: string,
  init: RequestInit,
  purpose: FetchPurpose,
  signal?: AbortSignal,
): Promise<Response> {
  const timeout = purpose.timeoutMs ? AbortSignal.timeout(purpose.timeoutMs) : undefined;
  const combined = signal && timeout ? AbortSignal.any([signal, timeout]) : (signal ?? timeout ?? null);
  try {
    return await fetch(url, { ...init, signal: combined, redirect: "follow" });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (timeout?.aborted) {
      throw new Error(`No answer from ${purpose.what} at ${url} within ${purpose.timeoutMs! / 1000} s; check release.api_url and the network`);
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new Error(`Cannot reach ${purpose.what} at ${url}: ${why}; check release.api_url and the network`);
  }
}
