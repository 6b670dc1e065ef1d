import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRelease } from "../../src/picoclaw/release.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";

describe("resolveRelease", () => {
  let server: ReleaseServer;
  beforeAll(async () => {
    server = await startReleaseServer({ versions: ["v0.1.1", "v0.2.8", "v0.2.9"] });
  });
  afterAll(() => server.stop());
  const source = () => ({ repo: server.repo, apiUrl: server.apiUrl });

  it("resolves latest through the API digest", async () => {
    const resolved = await resolveRelease(source(), "latest", "arm64");
    expect(resolved).toEqual({
      source: source(),
      tag: "v0.2.9",
      version: "0.2.9",
      arch: "arm64",
      asset: "picoclaw_Linux_arm64.tar.gz",
      url: `${server.apiUrl}/sipeed/picoclaw/releases/download/v0.2.9/picoclaw_Linux_arm64.tar.gz`,
      sha256: server.sha256("v0.2.9", "picoclaw_Linux_arm64.tar.gz"),
      size: expect.any(Number),
      format: "tar.gz",
    });
    expect(server.downloads.size).toBe(0);
  });

  it("resolves a tag without digests through its checksums.txt, with or without the v", async () => {
    for (const version of ["v0.2.8", "0.2.8"]) {
      const resolved = await resolveRelease(source(), version, "amd64");
      expect(resolved.tag).toBe("v0.2.8");
      expect(resolved.asset).toBe("picoclaw_Linux_x86_64.tar.gz");
      expect(resolved.sha256).toBe(server.sha256("v0.2.8", "picoclaw_Linux_x86_64.tar.gz"));
    }
    expect(server.downloads.get("v0.2.8/picoclaw_0.2.8_checksums.txt")).toBe(2);
  });

  it("falls back to v0.1.1's raw binary and sha256sums.txt", async () => {
    const resolved = await resolveRelease(source(), "v0.1.1", "riscv64");
    expect(resolved).toMatchObject({ asset: "picoclaw-linux-riscv64", format: "binary", version: "0.1.1" });
    expect(resolved.sha256).toBe(server.sha256("v0.1.1", "picoclaw-linux-riscv64"));
  });

  it("says a tag does not exist", async () => {
    await expect(resolveRelease(source(), "v9.9.9", "arm64")).rejects.toThrow(
      /^Release v9\.9\.9 not found in sipeed\/picoclaw \(HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/repos\/sipeed\/picoclaw\/releases\/tags\/v9\.9\.9\)/,
    );
  });

  it("lists what a release has when the architecture has no asset", async () => {
    const partial = await startReleaseServer({ versions: ["v0.2.9"], arches: ["amd64"] });
    try {
      await expect(resolveRelease({ repo: partial.repo, apiUrl: partial.apiUrl }, "latest", "armv6")).rejects.toThrow(
        "No asset for armv6 in sipeed/picoclaw v0.2.9 (has: picoclaw_Linux_x86_64.tar.gz)",
      );
    } finally {
      await partial.stop();
    }
  });

  it("names the URL when the API is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(resolveRelease({ repo: "sipeed/picoclaw", apiUrl: `http://127.0.0.1:${port}` }, "latest", "arm64")).rejects.toThrow(
      `Cannot reach the GitHub releases API at http://127.0.0.1:${port}/repos/sipeed/picoclaw/releases/latest: ECONNREFUSED`,
    );
  });

  it("sends the GitHub headers, and the token only when GITHUB_TOKEN is set", async () => {
    const seen: Record<string, string | undefined>[] = [];
    const spy = createServer((req, res) => {
      seen.push({ accept: req.headers.accept, ua: req.headers["user-agent"], auth: req.headers.authorization });
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => spy.listen(0, "127.0.0.1", resolve));
    const apiUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
    const saved = process.env.GITHUB_TOKEN;
    try {
      delete process.env.GITHUB_TOKEN;
      await resolveRelease({ repo: "o/n", apiUrl }, "latest", "arm64").catch(() => undefined);
      process.env.GITHUB_TOKEN = "ghp_test";
      await resolveRelease({ repo: "o/n", apiUrl }, "latest", "arm64").catch(() => undefined);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = saved;
      await new Promise((resolve) => spy.close(resolve));
    }
    expect(seen[0]).toEqual({ accept: "application/vnd.github+json", ua: expect.stringContaining("picoclaw-fleet"), auth: undefined });
    expect(seen[1]!.auth).toBe("Bearer ghp_test");
  });

  it("honours an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(resolveRelease(source(), "latest", "arm64", controller.signal)).rejects.toThrow("stop");
  });
});
