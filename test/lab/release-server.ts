import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARCHES, type Arch } from "../../src/config/schema.js";
import { buildRelease, sha256Hex, type LabBinaries, type Release } from "./release-assets.js";

/** What a test can ask of the lab's GitHub-shaped release server. */
export interface ReleaseServerOptions {
  /** `owner/name` the API answers for. Default `sipeed/picoclaw`. */
  repo?: string;
  /** Release tags, oldest first; the last is `latest`. Default `["v0.2.8", "v0.2.9"]`. */
  versions?: string[];
  /** Architectures that get an asset. Default the product's ARCHES. */
  arches?: readonly Arch[];
  /**
   * `real`: the x86_64 archive of each version in REAL_VERSIONS holds the real PicoClaw, built once per
   * machine (minutes when cold); every other asset holds the stand-in. Default `stand-in`.
   */
  binaries?: LabBinaries;
}

/** A running release server on 127.0.0.1 and the handles tests inspect it with. */
export interface ReleaseServer {
  /** Base URL to use as `release.api_url`. */
  apiUrl: string;
  repo: string;
  /** Times each asset was downloaded, keyed `<tag>/<asset>`. */
  downloads: Map<string, number>;
  /** sha256 (hex) of an asset as published, whatever `corrupt` did since. */
  sha256(tag: string, asset: string): string;
  /** From now on serve bytes that no longer match the published checksum. */
  corrupt(tag: string, asset: string): void;
  stop(): Promise<void>;
}

/**
 * Starts a GitHub releases API stand-in on 127.0.0.1:0 serving real GoReleaser-layout archives
 * (v0.1.1 and older: raw binaries with `sha256sums.txt`) that hold the PicoClaw stand-in, or with
 * `binaries: "real"` the real PicoClaw for x86_64.
 * Releases alternate, from the latest back, between per-asset `digest`s and a GoReleaser
 * `picoclaw_<ver>_checksums.txt`, so both checksum paths are exercised. Unknown tags are 404.
 */
export async function startReleaseServer(opts: ReleaseServerOptions = {}): Promise<ReleaseServer> {
  const repo = opts.repo ?? "sipeed/picoclaw";
  const versions = opts.versions ?? ["v0.2.8", "v0.2.9"];
  const arches = opts.arches ?? ARCHES;
  const work = await mkdtemp(join(tmpdir(), "picoclaw-releases-"));
  const releases = await Promise.all(
    versions.map((tag, i) => buildRelease(work, tag, i + 1, (versions.length - 1 - i) % 2 === 0, arches, opts.binaries ?? "stand-in")),
  );
  const downloads = new Map<string, number>();
  const corrupted = new Set<string>();
  let apiUrl = "";

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const api = `/repos/${repo}/releases`;
    if (req.method !== "GET" && req.method !== "HEAD") return notFound(res);
    if (path === `${api}/latest`) return json(res, describe(releases[releases.length - 1]));
    if (path.startsWith(`${api}/tags/`)) return json(res, describe(releases.find((r) => r.tag === path.slice(api.length + 6))));
    if (path === api) return json(res, [...releases].reverse().map(describe));
    const download = new RegExp(`^/${repo}/releases/download/([^/]+)/([^/]+)$`).exec(path);
    const bytes = download && releases.find((r) => r.tag === download[1])?.assets.get(download[2]!);
    if (!download || !bytes) return notFound(res);
    const key = `${download[1]}/${download[2]}`;
    downloads.set(key, (downloads.get(key) ?? 0) + 1);
    const body = corrupted.has(key) ? Buffer.concat([bytes.subarray(0, -1), Buffer.from([bytes.at(-1)! ^ 0xff])]) : bytes;
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });

  function describe(release: Release | undefined): unknown {
    if (!release) return undefined;
    const { tag, id } = release;
    const stamp = new Date(Date.UTC(2026, 0, id)).toISOString();
    return {
      url: `${apiUrl}/repos/${repo}/releases/${id}`,
      html_url: `${apiUrl}/${repo}/releases/tag/${tag}`,
      id,
      tag_name: tag,
      target_commitish: "main",
      name: tag,
      draft: false,
      prerelease: false,
      created_at: stamp,
      published_at: stamp,
      body: `PicoClaw ${tag} (lab release server)`,
      assets: [...release.assets].map(([name, bytes], n) => ({
        url: `${apiUrl}/repos/${repo}/releases/assets/${id * 100 + n}`,
        id: id * 100 + n,
        name,
        label: "",
        content_type: name.endsWith(".tar.gz") ? "application/gzip" : name.endsWith(".txt") ? "text/plain" : "application/octet-stream",
        state: "uploaded",
        size: bytes.length,
        digest: release.digest ? `sha256:${sha256Hex(bytes)}` : null,
        download_count: downloads.get(`${tag}/${name}`) ?? 0,
        created_at: stamp,
        updated_at: stamp,
        browser_download_url: `${apiUrl}/${repo}/releases/download/${tag}/${name}`,
      })),
    };
  }

  function json(res: ServerResponse, body: unknown): void {
    if (body === undefined) return notFound(res);
    res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl,
    repo,
    downloads,
    sha256(tag, asset) {
      const bytes = releases.find((r) => r.tag === tag)?.assets.get(asset);
      if (!bytes) throw new Error(`The release server has no ${tag}/${asset}`);
      return sha256Hex(bytes);
    },
    corrupt(tag, asset) {
      corrupted.add(`${tag}/${asset}`);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(work, { recursive: true, force: true });
    },
  };
}

function notFound(res: ServerResponse<IncomingMessage>): void {
  res.writeHead(404, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" }));
}
