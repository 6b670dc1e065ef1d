import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { parseConfig, TEMPLATE } from "./config/load.js";
import type { Deps } from "./deps.js";
import { setInstallDir } from "./install-dir.js";
import { createServer } from "./mcp/create-server.js";
import { serveMain } from "./server.js";

/*
 * The entry of the optional start-up snapshot, dist/serve.blob (built by scripts/build-snapshot.mjs
 * from a bundle of this module): `node --snapshot-blob dist/serve.blob serve` starts with every
 * module already loaded, and runs main below. Only the Node.js that built it loads it (exit 14
 * otherwise), so mcp.json runs `node dist/cli.js serve`; the blob is for a client whose Node is fixed. Building the blob loads the modules and runs warmUp, and
 * neither reads the env, the config or a file, nor opens a handle: all that happens in main, in the
 * process started from the blob. Nothing is exported: the bundle runs as a script, with no `module`
 * to export to.
 */

const USAGE = `Usage: node --snapshot-blob dist/serve.blob serve [--config PATH]

The stdio MCP server, started from its start-up snapshot; the same server as
\`node dist/cli.js serve\`. Every other command: node dist/cli.js --help
`;

/** The blob's path as node was given it (`--snapshot-blob PATH` or `--snapshot-blob=PATH`). */
function blobPath(execArgv: readonly string[]): string | undefined {
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg === "--snapshot-blob") return execArgv[i + 1];
    if (arg.startsWith("--snapshot-blob=")) return arg.slice("--snapshot-blob=".length);
  }
  return undefined;
}

/** `serve [--config PATH]`, as `node dist/cli.js serve` takes it. */
function main(): void {
  const blob = blobPath(process.execArgv);
  if (!blob) {
    process.stderr.write("picoclaw-fleet: cannot tell where the snapshot blob is: give it on node's command line (--snapshot-blob PATH), not in NODE_OPTIONS\n");
    process.exit(2);
  }
  // The blob is <install>/dist/serve.blob, its path relative to the directory the process started in.
  setInstallDir(dirname(dirname(resolve(blob))));
  let parsed;
  try {
    // A snapshot's process.argv has no script: argv[1] is the first argument after node's own.
    parsed = parseArgs({ args: process.argv.slice(1), allowPositionals: true, strict: true, options: { config: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    process.stderr.write(`picoclaw-fleet: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    // stdout is the MCP protocol's, even here: a client that passes -h by mistake gets no stray bytes.
    process.stderr.write(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1 || positionals[0] !== "serve") {
    process.stderr.write(`picoclaw-fleet: the snapshot runs \`serve\` only\n${USAGE}`);
    process.exit(2);
  }
  serveMain(values.config ? { config: values.config } : {});
}

/**
 * What every start does before its answer to `initialize`, done once at build time on the template
 * config with no fleet behind it (registering a tool touches only `deps.config`), so the blob holds
 * that code compiled: V8 compiles a function at its first call, zod an object schema at its first
 * parse. About 4 ms off each start. No file, env or handle; the server it builds is dropped.
 */
function warmUp(): void {
  createServer({ config: parseConfig(TEMPLATE) } as Deps, undefined, undefined, "warm-up");
}

if (v8.startupSnapshot.isBuildingSnapshot()) {
  warmUp();
  v8.startupSnapshot.setDeserializeMainFunction(main);
}
