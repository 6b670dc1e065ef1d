import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseVersionOutput } from "../../src/picoclaw/version.js";
import { startReleaseServer, type ReleaseServer } from "./release-server.js";

const run = promisify(execFile);

interface ApiRelease {
  tag_name: string;
  assets: { name: string; size: number; digest: string | null; browser_download_url: string }[];
}

describe("startReleaseServer", () => {
  let server: ReleaseServer;
  let dir: string;
  beforeAll(async () => {
    server = await startReleaseServer();
    dir = await mkdtemp(join(tmpdir(), "release-server-test-"));
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const api = async (path: string): Promise<Response> => fetch(`${server.apiUrl}/repos/${server.repo}/releases${path}`);

  it("answers /releases/latest with the last version, digests on every asset", async () => {
    const release = (await (await api("/latest")).json()) as ApiRelease;
    expect(release.tag_name).toBe("v0.2.9");
    expect(release.assets.map((a) => a.name).sort()).toEqual([
      "picoclaw_Linux_arm64.tar.gz",
      "picoclaw_Linux_armv6.tar.gz",
      "picoclaw_Linux_armv7.tar.gz",
      "picoclaw_Linux_loong64.tar.gz",
      "picoclaw_Linux_mipsle.tar.gz",
      "picoclaw_Linux_riscv64.tar.gz",
      "picoclaw_Linux_s390x.tar.gz",
      "picoclaw_Linux_x86_64.tar.gz",
    ]);
    for (const asset of release.assets) expect(asset.digest).toBe(`sha256:${server.sha256("v0.2.9", asset.name)}`);
  });

  it("publishes the older release with a GoReleaser checksums file and no digests", async () => {
    const release = (await (await api("/tags/v0.2.8")).json()) as ApiRelease;
    expect(release.assets.every((a) => a.digest === null)).toBe(true);
    const sums = release.assets.find((a) => a.name === "picoclaw_0.2.8_checksums.txt")!;
    const text = await (await fetch(sums.browser_download_url)).text();
    expect(text).toContain(`${server.sha256("v0.2.8", "picoclaw_Linux_arm64.tar.gz")}  picoclaw_Linux_arm64.tar.gz\n`);
  });

  it("answers 404 for an unknown tag", async () => {
    const response = await api("/tags/v9.9.9");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: "Not Found" });
  });

  it("serves a GoReleaser archive whose stand-in reports its baked-in version", async () => {
    const release = (await (await api("/latest")).json()) as ApiRelease;
    const asset = release.assets.find((a) => a.name === "picoclaw_Linux_arm64.tar.gz")!;
    const bytes = Buffer.from(await (await fetch(asset.browser_download_url)).arrayBuffer());
    expect(bytes.length).toBe(asset.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(server.sha256("v0.2.9", asset.name));
    expect(server.downloads.get("v0.2.9/picoclaw_Linux_arm64.tar.gz")).toBe(1);

    const archive = join(dir, asset.name);
    await writeFile(archive, bytes);
    const listing = (await run("tar", ["-tzf", archive])).stdout.trim().split("\n").sort();
    expect(listing).toEqual(["LICENSE", "README.md", "picoclaw", "picoclaw-launcher"]);
    await run("tar", ["-xzf", archive, "-C", dir]);
    const { stdout } = await run(join(dir, "picoclaw"), ["version"], { env: { ...process.env, HOME: dir, NO_COLOR: "", TERM: "xterm" } });
    expect(stdout).toContain("\x1b[1;38;2;62;93;185m██████╗"); // the coloured banner comes first
    expect(parseVersionOutput(stdout)).toEqual({ version: "0.2.9", git: expect.stringMatching(/^[0-9a-f]{7}$/) });
    expect(stdout).toMatch(/\n {2}Build: \S+\n {2}Go: go\d/);
  });

  it("serves corrupted bytes after corrupt(), while sha256() keeps the published hash", async () => {
    const name = "picoclaw_Linux_x86_64.tar.gz";
    const published = server.sha256("v0.2.9", name);
    server.corrupt("v0.2.9", name);
    const url = `${server.apiUrl}/${server.repo}/releases/download/v0.2.9/${name}`;
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).not.toBe(published);
    expect(server.sha256("v0.2.9", name)).toBe(published);
  });

  it("packages v0.1.1 as raw binaries with sha256sums.txt", async () => {
    const old = await startReleaseServer({ versions: ["v0.1.1"], arches: ["riscv64"] });
    try {
      const release = (await (await fetch(`${old.apiUrl}/repos/sipeed/picoclaw/releases/latest`)).json()) as ApiRelease;
      expect(release.assets.map((a) => a.name)).toEqual(["picoclaw-linux-riscv64", "sha256sums.txt"]);
      const script = await (await fetch(release.assets[0]!.browser_download_url)).text();
      expect(script).toMatch(/^PICOCLAW_VERSION=0\.1\.1$/m);
      expect(script).toMatch(/^PICOCLAW_ARCH=riscv64$/m);
    } finally {
      await old.stop();
    }
  });
});
