import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotFinding } from "../../src/cli/snapshot-check.js";

// doctor's line on dist/serve.blob: node loads a blob only in the Node.js that built it (exit 14
// otherwise), which the build records next to it in dist/serve.blob.json.

const NODE = { node: "v20.20.2", platform: "linux", arch: "x64" };

/** A dist/ directory holding these files. */
function dist(files: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), "pcf-snap-")), "dist");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const sidecar = (build: object) => `${JSON.stringify(build)}\n`;

describe("doctor on the start-up snapshot", () => {
  it("is fine with a blob built by this Node.js", () => {
    const d = dist({ "serve.blob": "blob", "serve.blob.json": sidecar(NODE) });
    expect(snapshotFinding(d, NODE)).toEqual({ host: null, level: "ok", message: `${join(d, "serve.blob")}, the optional start-up snapshot, matches this Node.js v20.20.2 (linux x64)` });
  });

  it("warns of a blob from another Node.js version, saying which, with npm run build as the fix", () => {
    const d = dist({ "serve.blob": "blob", "serve.blob.json": sidecar({ ...NODE, node: "v24.21.0" }) });
    const f = snapshotFinding(d, NODE);
    expect(f.level).toBe("warn");
    expect(f.message).toBe(`${join(d, "serve.blob")} was built by Node.js v24.21.0 (linux x64), this is v20.20.2 (linux x64): \`node --snapshot-blob dist/serve.blob serve\` cannot start (mcp.json's \`node dist/cli.js serve\` is not affected)`);
    expect(f.fix).toBe(`npm run build in ${dirname(d)} with this Node.js (until then, node dist/cli.js serve starts the same server)`);
  });

  it("warns of a blob from another architecture of the same version", () => {
    const d = dist({ "serve.blob": "blob", "serve.blob.json": sidecar({ ...NODE, arch: "arm64" }) });
    expect(snapshotFinding(d, NODE)).toMatchObject({ level: "warn", message: expect.stringContaining("built by Node.js v20.20.2 (linux arm64), this is v20.20.2 (linux x64)") });
  });

  it("warns of a missing blob, and a blob whose build is not recorded", () => {
    const missing = dist({ "serve.blob.json": sidecar(NODE) });
    expect(snapshotFinding(missing, NODE)).toMatchObject({ level: "warn", message: `${join(missing, "serve.blob")} is missing: \`node --snapshot-blob dist/serve.blob serve\` cannot start (mcp.json's \`node dist/cli.js serve\` is not affected)`, fix: expect.stringMatching(/^npm run build in /) });
    const unrecorded: Record<string, string>[] = [{ "serve.blob": "blob" }, { "serve.blob": "blob", "serve.blob.json": "{not json" }];
    for (const files of unrecorded) {
      expect(snapshotFinding(dist(files), NODE)).toMatchObject({ level: "warn", message: expect.stringContaining("was built by an unknown Node.js"), fix: expect.stringMatching(/^npm run build in /) });
    }
  });

  it("passes the blob npm run build made, with the Node.js running the tests", () => {
    expect(snapshotFinding()).toMatchObject({ level: "ok", message: expect.stringContaining(`matches this Node.js ${process.version} (${process.platform} ${process.arch})`) });
  });
});
