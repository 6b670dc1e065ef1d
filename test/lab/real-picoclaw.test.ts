import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseVersionOutput } from "../../src/picoclaw/version.js";
import { cachedFile } from "./build-cache.js";
import { LAB_CACHE, REAL_ARCHIVE, realPicoclaw } from "./real-picoclaw.js";
import { ARCHES } from "../../src/config/schema.js";
import { startReleaseServer, type ReleaseServer } from "./release-server.js";
import { sleep } from "./run.js";

const run = promisify(execFile);

interface ApiRelease {
  assets: { name: string; digest: string | null; browser_download_url: string }[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "real-picoclaw-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const versionOf = async (binary: string) =>
  (await run(binary, ["version"], { env: { ...process.env, HOME: dir, NO_COLOR: "1" } })).stdout;

describe("realPicoclaw", () => {
  it("gives the cached real v0.2.9 at once on a second call; it prints its version and commit", async () => {
    const first = await realPicoclaw("v0.2.9");
    const before = await stat(first);
    const started = Date.now();
    const second = await realPicoclaw("v0.2.9");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(second).toBe(first);
    expect(first).toBe(join(LAB_CACHE, "picoclaw", "v0.2.9", "linux-amd64", "picoclaw"));
    expect((await stat(second)).mtimeMs).toBe(before.mtimeMs);
    const out = await versionOf(first);
    expect(out).toMatch(/^🦞 picoclaw 0\.2\.9 \(git: 2992ecc\)$/m);
    expect(parseVersionOutput(out)).toEqual({ version: "0.2.9", git: "2992ecc" });
  });

  it("refuses a version the lab does not build, naming the ones it does", async () => {
    await expect(realPicoclaw("v0.2.8")).rejects.toThrow("Expected version to be one of v0.2.3, v0.2.7, v0.2.9, got v0.2.8");
  });
});

describe("cachedFile", () => {
  it("builds once for concurrent callers, and a failed build leaves neither file nor lock", async () => {
    let builds = 0;
    const make = async (tmp: string) => {
      builds++;
      await sleep(300);
      await writeFile(tmp, "built");
    };
    const paths = await Promise.all([cachedFile(dir, "thing", make), cachedFile(dir, "thing", make)]);
    expect(builds).toBe(1);
    expect(paths).toEqual([join(dir, "thing"), join(dir, "thing")]);
    await expect(cachedFile(dir, "broken", () => Promise.reject(new Error("no compiler")))).rejects.toThrow("no compiler");
    await expect(stat(join(dir, "broken"))).rejects.toThrow();
    await expect(stat(join(dir, ".broken.lock"))).rejects.toThrow();
  });

  it("takes over a lock left by a process that is gone", async () => {
    await writeFile(join(dir, ".stale.lock"), "999999999 1");
    expect(await cachedFile(dir, "stale", (tmp) => writeFile(tmp, "x"))).toBe(join(dir, "stale"));
  });
});

describe("startReleaseServer with binaries: real", () => {
  let server: ReleaseServer;
  beforeAll(async () => {
    server = await startReleaseServer({ versions: ["v0.2.7", "v0.2.9"], binaries: "real", arches: ARCHES });
  });
  afterAll(() => server?.stop());

  const release = async (tag: string) =>
    (await (await fetch(`${server.apiUrl}/repos/${server.repo}/releases/tags/${tag}`)).json()) as ApiRelease;
  const download = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

  it("serves v0.2.9's x86_64 archive with the real binary at its root, matching its digest", async () => {
    const asset = (await release("v0.2.9")).assets.find((a) => a.name === REAL_ARCHIVE)!;
    const bytes = await download(asset.browser_download_url);
    expect(asset.digest).toBe(`sha256:${sha256(bytes)}`);
    const archive = join(dir, REAL_ARCHIVE);
    await writeFile(archive, bytes);
    expect((await run("tar", ["-tzf", archive])).stdout.trim().split("\n").sort()).toEqual(["LICENSE", "README.md", "picoclaw"]);
    const out = join(dir, "unpacked");
    await run("mkdir", ["-p", out]);
    await run("tar", ["-xzf", archive, "-C", out]);
    expect(sha256(await readFile(join(out, "picoclaw")))).toBe(sha256(await readFile(await realPicoclaw("v0.2.9"))));
    expect(parseVersionOutput(await versionOf(join(out, "picoclaw")))).toEqual({ version: "0.2.9", git: "2992ecc" });
  });

  it("lists v0.2.7's real archive in GoReleaser's checksums file; other arches keep the stand-in", async () => {
    const assets = (await release("v0.2.7")).assets;
    const sums = await (await fetch(assets.find((a) => a.name === "picoclaw_0.2.7_checksums.txt")!.browser_download_url)).text();
    const bytes = await download(assets.find((a) => a.name === REAL_ARCHIVE)!.browser_download_url);
    expect(sums).toContain(`${sha256(bytes)}  ${REAL_ARCHIVE}\n`);
    expect(assets.map((a) => a.name)).toEqual(expect.arrayContaining(["picoclaw_Linux_loong64.tar.gz", "picoclaw_Linux_mipsle.tar.gz", "picoclaw_Linux_s390x.tar.gz"]));
    const arm = join(dir, "arm64.tar.gz");
    await writeFile(arm, await download(assets.find((a) => a.name === "picoclaw_Linux_arm64.tar.gz")!.browser_download_url));
    expect((await run("tar", ["-xzOf", arm, "picoclaw"])).stdout).toMatch(/^#!/);
  });
});
