import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Arch } from "../../src/config/schema.js";
import { assetCandidates } from "../../src/picoclaw/assets.js";
import { compareVersions } from "../../src/picoclaw/version.js";
import { isRealVersion, realArchive } from "./real-picoclaw.js";

const run = promisify(execFile);
const STANDIN_DIR = new URL("./picoclaw-standin/", import.meta.url);

/** Which `picoclaw` the archives hold: the shell stand-in, or the real program where the lab builds one. */
export type LabBinaries = "stand-in" | "real";

/** One release as the server publishes it. */
export interface Release {
  tag: string;
  id: number;
  digest: boolean;
  assets: Map<string, Buffer>;
}

function assetNames(arch: Arch): [archive: string, raw: string] {
  return assetCandidates(arch) as [string, string];
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
 * Packs release `tag` in `work`: GoReleaser archives (v0.1.1 and older: raw binaries with `sha256sums.txt`),
 * with per-asset digests when `digest`, else GoReleaser's `picoclaw_<ver>_checksums.txt`. With `real`
 * binaries, the amd64 archive of a version the lab builds holds the real PicoClaw (from the lab cache).
 */
export async function buildRelease(work: string, tag: string, id: number, digest: boolean, arches: readonly Arch[], binaries: LabBinaries): Promise<Release> {
  const version = tag.replace(/^v/, "");
  const raw = compareVersions(version, "0.1.2") < 0; // v0.1.1 shipped bare binaries
  const assets = new Map<string, Buffer>();
  for (const arch of arches) {
    const [archive, binary] = assetNames(arch);
    if (raw) assets.set(binary, Buffer.from(await standinSource("picoclaw", version, arch)));
    else if (binaries === "real" && arch === "amd64" && isRealVersion(tag)) assets.set(archive, await readFile(await realArchive(tag)));
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

/** Hex sha256 of `bytes`, as checksums files and digests spell it. */
export function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
