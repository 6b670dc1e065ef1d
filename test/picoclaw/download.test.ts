import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchAsset } from "../../src/picoclaw/download.js";
import { resolveRelease, type ResolvedAsset } from "../../src/picoclaw/release.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("fetchAsset", () => {
  let server: ReleaseServer;
  let cache: string;
  let arm64: ResolvedAsset;
  const key = "v0.2.9/picoclaw_Linux_arm64.tar.gz";

  beforeAll(async () => {
    server = await startReleaseServer();
    arm64 = await resolveRelease({ repo: server.repo, apiUrl: server.apiUrl }, "latest", "arm64");
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), "picoclaw-cache-"));
    server.downloads.clear();
    return () => rm(cache, { recursive: true, force: true });
  });

  it("downloads once for 20 concurrent callers, into <cache>/<tag>/<asset>", async () => {
    const progress: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fetchAsset(arm64, cache, undefined, i === 0 ? (n) => progress.push(n) : undefined)),
    );
    const path = join(cache, "v0.2.9", "picoclaw_Linux_arm64.tar.gz");
    expect(results.every((r) => r.path === path && r.downloaded)).toBe(true);
    expect(server.downloads.get(key)).toBe(1);
    expect(sha256(await readFile(path))).toBe(arm64.sha256);
    expect(progress.at(-1)).toBe((await readFile(path)).length);
    expect(await readdir(join(cache, "v0.2.9"))).toEqual(["picoclaw_Linux_arm64.tar.gz"]);
  });

  it("reuses a verified cached copy and replaces a damaged one", async () => {
    await fetchAsset(arm64, cache);
    expect(await fetchAsset(arm64, cache)).toMatchObject({ downloaded: false });
    expect(server.downloads.get(key)).toBe(1);

    const path = join(cache, "v0.2.9", "picoclaw_Linux_arm64.tar.gz");
    await writeFile(path, "truncated");
    expect(await fetchAsset(arm64, cache)).toEqual({ path, downloaded: true });
    expect(server.downloads.get(key)).toBe(2);
    expect(sha256(await readFile(path))).toBe(arm64.sha256);
  });

  it("expands ~ in the cache directory", async () => {
    const home = process.env.HOME;
    process.env.HOME = cache;
    try {
      const { path } = await fetchAsset(arm64, "~/.cache/picoclaw-fleet");
      expect(path).toBe(join(cache, ".cache/picoclaw-fleet/v0.2.9/picoclaw_Linux_arm64.tar.gz"));
    } finally {
      process.env.HOME = home;
    }
  });

  it("refuses bytes that do not match the checksum and leaves nothing behind", async () => {
    const other = await startReleaseServer({ versions: ["v0.2.8"], arches: ["armv7"] });
    try {
      const resolved = await resolveRelease({ repo: other.repo, apiUrl: other.apiUrl }, "v0.2.8", "armv7");
      other.corrupt("v0.2.8", "picoclaw_Linux_armv7.tar.gz");
      await expect(fetchAsset(resolved, cache)).rejects.toThrow(
        new RegExp(`^Checksum mismatch for picoclaw_Linux_armv7\\.tar\\.gz: expected ${resolved.sha256}, got [0-9a-f]{64}; the download was discarded$`),
      );
      expect(await readdir(join(cache, "v0.2.8"))).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it("refuses a release name that would leave the cache directory", async () => {
    await expect(fetchAsset({ ...arm64, tag: "../../etc" }, cache)).rejects.toThrow(/^Refusing release name "\.\.\/\.\.\/etc"/);
  });

  it("lets one caller abort without cancelling the others", async () => {
    const quitter = new AbortController();
    const leaving = fetchAsset(arm64, cache, quitter.signal);
    const staying = fetchAsset(arm64, cache);
    quitter.abort(new Error("user cancelled"));
    await expect(leaving).rejects.toThrow("user cancelled");
    expect(await staying).toMatchObject({ downloaded: true });
    expect(server.downloads.get(key)).toBe(1);
  });

  it("stops the work when every caller aborts, leaving no partial file", async () => {
    const controller = new AbortController();
    const pending = fetchAsset(arm64, cache, controller.signal);
    controller.abort(new Error("gone"));
    await expect(pending).rejects.toThrow("gone");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const left = await readdir(join(cache, "v0.2.9")).catch(() => []);
    expect(left.filter((name) => name.endsWith(".part"))).toEqual([]);
    expect(await fetchAsset(arm64, cache)).toMatchObject({ downloaded: true });
  });
});
