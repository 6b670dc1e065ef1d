import type { Arch } from "../config/schema.js";
import { assetCandidates } from "./assets.js";
import { parseChecksums, sha256FromDigest } from "./checksums.js";
import { fetchOrExplain, githubHeaders } from "./github-http.js";

/** Where releases come from: the config's `release.repo` and `release.api_url`. */
export interface ReleaseSource {
  /** GitHub `owner/name`, e.g. `sipeed/picoclaw`. */
  repo: string;
  /** API base, e.g. `https://api.github.com`, or a mirror of it. */
  apiUrl: string;
}

/** One release asset chosen for one architecture, with the hash it must have. */
export interface ResolvedAsset {
  source: ReleaseSource;
  /** Release tag, e.g. `v0.2.9`. */
  tag: string;
  /** The tag without a leading `v`, as `picoclaw version` prints it. */
  version: string;
  arch: Arch;
  /** Asset file name, e.g. `picoclaw_Linux_arm64.tar.gz`. */
  asset: string;
  url: string;
  /** Expected sha256, lowercase hex: from the API `digest`, else from the release's checksums file. */
  sha256: string;
  /** Size the API reports, in bytes. */
  size: number;
  /** A GoReleaser archive with `picoclaw` at its root, or the bare binary (v0.1.1). */
  format: "tar.gz" | "binary";
}

interface ApiAsset {
  name: string;
  size?: number;
  browser_download_url: string;
  digest?: string | null;
}

const API_TIMEOUT_MS = 30_000;
const MAX_CHECKSUMS_BYTES = 1024 * 1024;

/**
 * Resolves `latest` or a tag (`v0.2.9`; `0.2.9` means the same) to the asset for `arch` and
 * its expected sha256, through the GitHub releases API, so a deploy knows exactly what to
 * download and how to verify it. Fails with one line saying what to do: unknown tag, no asset
 * for the architecture, no checksum published, API unreachable or rate-limited.
 */
export async function resolveRelease(
  source: ReleaseSource,
  version: string,
  arch: Arch,
  signal?: AbortSignal,
): Promise<ResolvedAsset> {
  const tagWanted = version === "latest" ? undefined : /^\d/.test(version) ? `v${version}` : version;
  const base = `${source.apiUrl.replace(/\/+$/, "")}/repos/${source.repo}/releases`;
  const url = tagWanted ? `${base}/tags/${encodeURIComponent(tagWanted)}` : `${base}/latest`;
  const release = (await getJson(url, source, signal, tagWanted)) as { tag_name?: unknown; assets?: unknown } | null;
  if (typeof release?.tag_name !== "string" || !Array.isArray(release.assets)) {
    throw new Error(`Unexpected answer from ${url}: not a GitHub release; check release.api_url`);
  }
  const tag = release.tag_name;
  const assets = (release.assets as ApiAsset[]).filter(
    (a) => typeof a?.name === "string" && typeof a.browser_download_url === "string" && /^https?:\/\//i.test(a.browser_download_url),
  );
  const name = assetCandidates(arch).find((candidate) => assets.some((a) => a.name === candidate));
  const asset = assets.find((a) => a.name === name);
  if (!asset) {
    const has = assets.map((a) => a.name).join(", ") || "no assets";
    throw new Error(`No asset for ${arch} in ${source.repo} ${tag} (has: ${has})`);
  }
  const sha256 = sha256FromDigest(asset.digest) ?? (await checksumFromFile(assets, asset.name, source, tag, signal));
  return {
    source,
    tag,
    version: tag.replace(/^v/, ""),
    arch,
    asset: asset.name,
    url: asset.browser_download_url,
    sha256,
    size: asset.size ?? 0,
    format: asset.name.endsWith(".tar.gz") ? "tar.gz" : "binary",
  };
}

async function checksumFromFile(
  assets: ApiAsset[],
  name: string,
  source: ReleaseSource,
  tag: string,
  signal?: AbortSignal,
): Promise<string> {
  const file = assets.find((a) => /(^|[_.-])checksums\.txt$|^sha256sums(\.txt)?$/i.test(a.name));
  if (!file) {
    throw new Error(
      `No checksum for ${name} in ${source.repo} ${tag}: no digest and no checksums file; refusing an unverified binary, pick another release.version`,
    );
  }
  const response = await fetchOrExplain(
    file.browser_download_url,
    { headers: githubHeaders(file.browser_download_url, source.apiUrl, "application/octet-stream") },
    { what: "the checksums file", timeoutMs: API_TIMEOUT_MS },
    signal,
  );
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`Cannot read ${file.name} of ${source.repo} ${tag}: HTTP ${response.status}; try again or check release.api_url`);
  }
  const text = await response.text();
  const sum = parseChecksums(text.slice(0, MAX_CHECKSUMS_BYTES)).get(name);
  if (!sum) throw new Error(`No checksum for ${name} in ${file.name} of ${source.repo} ${tag}; refusing an unverified binary`);
  return sum;
}

async function getJson(url: string, source: ReleaseSource, signal: AbortSignal | undefined, tag?: string): Promise<unknown> {
  const headers = { ...githubHeaders(url, source.apiUrl, "application/vnd.github+json"), "X-GitHub-Api-Version": "2022-11-28" };
  const response = await fetchOrExplain(url, { headers }, { what: "the GitHub releases API", timeoutMs: API_TIMEOUT_MS }, signal);
  if (!response.ok) await response.body?.cancel().catch(() => undefined);
  if (response.status === 404) {
    throw new Error(
      tag
        ? `Release ${tag} not found in ${source.repo} (HTTP 404 from ${url}); check release.version and release.repo`
        : `No published release in ${source.repo} (HTTP 404 from ${url}); check release.repo`,
    );
  }
  if ((response.status === 403 || response.status === 429) && response.headers.get("x-ratelimit-remaining") === "0") {
    throw new Error(`GitHub API rate limit reached for ${url}; set GITHUB_TOKEN or wait for the limit to reset`);
  }
  if (!response.ok) throw new Error(`GitHub API answered HTTP ${response.status} for ${url}; check release.api_url`);
  try {
    return await response.json();
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`Unexpected answer from ${url}: not JSON (${(err as Error).message}); check release.api_url`);
  }
}
