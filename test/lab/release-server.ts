import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ARCHES, type Arch } from "../../src/config/schema.js";
import { assetCandidates } from "../../src/picoclaw/assets.js";
import { compareVersions } from "../../src/picoclaw/version.js";

const run = promisify(execFile);
const STANDIN_DIR = new URL("./picoclaw-standin/", import.meta.url);

/** What a test can ask of the lab's GitHub-shaped release server. */
export interface ReleaseServerOptions {
  /** `owner/name` the API answers for. Default `sipeed/picoclaw`. */
  repo?: string;
  /** Release tags, oldest first; the last is `latest`. Default `["v0.2.8", "v0.2.9"]`. */
  versions?: string[];
  /** Architectures that get an asset. Default all five. */
  arches?: readonly Arch[];
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

interface Release {
  tag: string;
  id: number;
  digest: boolean;
  assets: Map<string, Buffer>;
}

/**
 * The text of a stand-in script with the version (and architecture) baked in, as the release
 * server packages it: `PICOCLAW_VERSION=0.2.9` and friends are substituted, and check-key.awk
 * is put in.
 */
export async function standinSource(name: "picoclaw" | "picoclaw-launcher", version: string, arch: Arch): Promise<string> {
  const text = await readFile(new URL(name, STANDIN_DIR), "utf8");
  // The key check's awk program lives in a file of its own, for reading; the archive holds one script.
  const checkKey = name === "picoclaw" ? await readFile(new URL("check-key.awk", STANDIN_DIR), "utf8") : "";
  if (checkKey.includes("'")) throw new Error("check-key.awk must hold no single quote: it is baked in between single quotes");
  const bare = version.replace(/^v/, "");
  const git = createHash("sha1").update(bare).digest("hex").slice(0, 7);
  return text
    .replace(/^PICOCLAW_VERSION=.*$/m, `PICOCLAW_VERSION=${bare}`)
    .replace(/^PICOCLAW_GIT=.*$/m, `PICOCLAW_GIT=${git}`)
    .replace(/^PICOCLAW_ARCH=.*$/m, `PICOCLAW_ARCH=${arch}`)
    .replace("'@check-key.awk@'", () => `'\n${checkKey}'`);
}

/**
 * Starts a GitHub releases API stand-in on 127.0.0.1:0 serving real GoReleaser-layout archives
 * (v0.1.1 and older: raw binaries with `sha256sums.txt`) that hold the PicoClaw stand-in.
 * Releases alternate, from the latest back, between per-asset `digest`s and a GoReleaser
 * `picoclaw_<ver>_checksums.txt`, so both checksum paths are exercised. Unknown tags are 404.
 */
export async function startReleaseServer(opts: ReleaseServerOptions = {}): Promise<ReleaseServer> {
  const repo = opts.repo ?? "sipeed/picoclaw";
  const versions = opts.versions ?? ["v0.2.8", "v0.2.9"];
  const arches = opts.arches ?? ARCHES;
  const work = await mkdtemp(join(tmpdir(), "picoclaw-releases-"));
  const releases = await Promise.all(
    versions.map((tag, i) => buildRelease(work, tag, i + 1, (versions.length - 1 - i) % 2 === 0, arches)),
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

async function buildRelease(work: string, tag: string, id: number, digest: boolean, arches: readonly Arch[]): Promise<Release> {
  const version = tag.replace(/^v/, "");
  const raw = compareVersions(version, "0.1.2") < 0; // v0.1.1 shipped bare binaries
  const assets = new Map<string, Buffer>();
  for (const arch of arches) {
    const [archive, binary] = assetCandidates(arch) as [string, string];
    if (raw) assets.set(binary, Buffer.from(await standinSource("picoclaw", version, arch)));
    else assets.set(archive, await buildArchive(join(work, tag, arch), version, arch));
  }
  const sums = [...assets].map(([name, bytes]) => `${sha256Hex(bytes)}  ${name}\n`).join("");
  if (raw) assets.set("sha256sums.txt", Buffer.from(sums));
  else if (!digest) assets.set(`picoclaw_${version}_checksums.txt`, Buffer.from(sums));
  return { tag, id, digest: digest && !raw, assets };
}

// GoReleaser's layout: the binaries at the archive root, with the README and LICENSE.
async function buildArchive(dir: string, version: string, arch: Arch): Promise<Buffer> {
  await mkdir(dir, { recursive: true });
  for (const name of ["picoclaw", "picoclaw-launcher"] as const) {
    await writeFile(join(dir, name), await standinSource(name, version, arch));
    await chmod(join(dir, name), 0o755);
  }
  await writeFile(join(dir, "README.md"), `# PicoClaw ${version} (lab stand-in, linux/${arch})\n`);
  await writeFile(join(dir, "LICENSE"), "MIT License\n\nCopyright (c) 2026 PicoClaw contributors\n");
  const out = join(dir, "..", `${arch}.tar.gz`);
  const files = ["picoclaw", "picoclaw-launcher", "README.md", "LICENSE"];
  await run("tar", ["-czf", out, "--owner=0", "--group=0", "--numeric-owner", "-C", dir, ...files]);
  return readFile(out);
}

function notFound(res: ServerResponse<IncomingMessage>): void {
  res.writeHead(404, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" }));
}

function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
