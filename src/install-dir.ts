import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

let dir: string | undefined;

/**
 * Where this package is installed: the directory holding package.json, dist/ and node_modules/.
 * Found at run time, never baked in: from this module's own URL (dist/ or, under the tests, src/),
 * or, in the start-up snapshot, whose code has no URL, from the blob's path that
 * src/serve-snapshot.ts hands over before anything asks.
 */
export function installDir(): string {
  dir ??= fileURLToPath(new URL("..", import.meta.url));
  return dir;
}

/** Set by the snapshot's main function: the directory above the blob's dist/. */
export function setInstallDir(path: string): void {
  dir = path;
}

/**
 * `require` from the install's node_modules, for a package loaded lazily (ssh2 and its native
 * binding): a bare `import()` has nothing to resolve against inside a start-up snapshot.
 */
export function requireFromInstall(id: string): unknown {
  return createRequire(join(installDir(), "package.json"))(id);
}

let version: string | undefined;

/** The package version, reported to clients in `initialize`: package.json's, not a copy of it. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(installDir(), "package.json"), "utf8")) as { version: string }).version;
  return version;
}
