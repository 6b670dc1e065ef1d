import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { expandHome } from "../config/paths.js";
import { fetchOrExplain, githubHeaders } from "./github-http.js";
import type { ResolvedAsset } from "./release.js";
import { shareFlight } from "./single-flight.js";

/** A verified release asset on this machine. */
export interface FetchedAsset {
  /** `<cache_dir>/<tag>/<asset>`; its sha256 matched when this was returned. */
  path: string;
  /** False when the cached copy was used; true when it was downloaded by this flight. */
  downloaded: boolean;
}

/** Download progress: bytes received so far and the total, when the server says it. */
export type ProgressListener = (received: number, total: number | undefined) => void;

/**
 * Makes a release asset available in the cache, verified, so a deploy can upload it. The file
 * is downloaded under a temporary name, its sha256 checked, and only then renamed into place:
 * a file at the cache path is always complete and verified. A cached copy is hashed again on
 * every call and replaced when it does not match. Concurrent calls for the same asset share one
 * download (deploying 50 hosts fetches the archive once); one caller aborting does not abort the
 * others, and the download stops when every caller has given up.
 */
export async function fetchAsset(
  resolved: ResolvedAsset,
  cacheDir: string,
  signal?: AbortSignal,
  onProgress?: ProgressListener,
): Promise<FetchedAsset> {
  const target = join(expandHome(cacheDir), pathSegment(resolved.tag), pathSegment(resolved.asset));
  // Each caller's listener is its own function, so two callers passing the same one both hear.
  const listener: ProgressListener | undefined = onProgress && ((received, total) => onProgress(received, total));
  return shareFlight<FetchedAsset, Parameters<ProgressListener>>(
    `${target}\0${resolved.sha256}`,
    (flightSignal, notify) => ensureVerified(resolved, target, flightSignal, notify),
    signal,
    listener,
  );
}

async function ensureVerified(
  resolved: ResolvedAsset,
  target: string,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<FetchedAsset> {
  const cached = await sha256File(target, signal).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (cached === resolved.sha256) return { path: target, downloaded: false };
  if (cached !== undefined) await unlink(target);

  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.part`;
  try {
    const got = await download(resolved, partial, signal, onProgress);
    if (got !== resolved.sha256) {
      throw new Error(
        `Checksum mismatch for ${resolved.asset}: expected ${resolved.sha256}, got ${got}; the download was discarded`,
      );
    }
    await rename(partial, target);
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    throw err;
  }
  return { path: target, downloaded: true };
}

async function download(
  resolved: ResolvedAsset,
  partial: string,
  signal: AbortSignal,
  onProgress: ProgressListener,
): Promise<string> {
  const headers = githubHeaders(resolved.url, resolved.source.apiUrl, "application/octet-stream");
  const response = await fetchOrExplain(resolved.url, { headers }, { what: `${resolved.asset}` }, signal);
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`Download of ${resolved.asset} failed: HTTP ${response.status} from ${resolved.url}; try again or check release.api_url`);
  }
  const length = Number(response.headers.get("content-length"));
  const total = Number.isFinite(length) && length > 0 ? length : resolved.size || undefined;
  const hash = createHash("sha256");
  let received = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      onProgress(received, total);
      done(null, chunk);
    },
  });
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  await pipeline(body, tap, createWriteStream(partial, { mode: 0o644 }), { signal });
  return hash.digest("hex");
}

async function sha256File(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash, { signal });
  return hash.digest("hex");
}

// Security: the tag and asset name come from the release API (a mirror is as trusted as its
// operator) and become path segments: anything but a plain file name is refused.
function pathSegment(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name) || name.includes("..")) {
    throw new Error(`Refusing release name ${JSON.stringify(name)} as a cache path; check release.api_url`);
  }
  return name;
}
