#!/usr/bin/env node
// After tsc: the MCP server's optional start-up snapshot (mcp.json runs node dist/cli.js serve, which any Node.js starts).
//   dist/serve.cjs        dist/serve-snapshot.js and everything it imports, bundled by esbuild
//   dist/serve.blob       `node --build-snapshot` of that bundle: the heap with every module loaded
//   dist/serve.blob.json  the Node.js that built the blob (node loads it in no other), for doctor
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const dist = join(import.meta.dirname, "..", "dist");
const bundle = join(dist, "serve.cjs");
const blob = join(dist, "serve.blob");
const sidecar = `${blob}.json`;

// node warns about each built-in module not yet verified in user snapshots. These three are fine here:
// module's createRequire runs only in the started process (src/install-dir.ts), after node has set
// its loader up for it; pino reads worker_threads' isMainThread (true both times) and starts workers
// only for transports, which the server does not use; child_process spawns only at run time.
// Those three warnings (each three lines, the first one followed by node's --trace-warnings hint)
// are left out; anything else node writes is shown.
const VERIFIED_HERE = /^\(node:\d+\) Warning: It's not yet fully verified whether built-in module "(?:node:)?(?:module|worker_threads|child_process)" .*\n.*\n.*\n(?:\(Use `node --trace-warnings .*\n)?/gm;

// A failed build must not leave an old blob next to a sidecar that vouches for it.
for (const file of [bundle, blob, sidecar]) rmSync(file, { force: true });

await build({
  entryPoints: [join(dist, "serve-snapshot.js")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs", // --build-snapshot runs one script, with require() for built-in modules only
  target: `node${process.versions.node}`, // the bundle only ever runs in the Node.js that builds the blob
  // Snapshot code has no module URL: src/install-dir.ts gets the install from the blob's path instead.
  define: { "import.meta.url": "undefined" },
  logLevel: "warning",
});

const built = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", bundle], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
process.stderr.write(built.stderr.replace(VERIFIED_HERE, ""));
if (built.status !== 0) {
  process.stderr.write(`build-snapshot: node --build-snapshot failed (${built.signal ?? `exit ${built.status}`})\n`);
  process.exit(1);
}
writeFileSync(sidecar, `${JSON.stringify({ node: process.version, platform: process.platform, arch: process.arch })}\n`);
