import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { installDir } from "../install-dir.js";
import type { Finding } from "../operations/doctor.js";

/** The Node.js a blob was built by, as scripts/build-snapshot.mjs records it in dist/serve.blob.json. */
export interface NodeBuild {
  node: string;
  platform: string;
  arch: string;
}

const THIS_NODE: NodeBuild = { node: process.version, platform: process.platform, arch: process.arch };

/**
 * doctor's line on dist/serve.blob, the optional start-up snapshot (a faster start for a client
 * whose Node.js is fixed; mcp.json runs `node dist/cli.js serve`, which any Node.js from 20 on
 * starts). Node loads a blob only in the Node.js (version, platform, arch) that built it, and
 * otherwise exits 14; so a blob another Node.js built is a warning. Read from the sidecar the build
 * writes, not from the blob, whose header is node's own business.
 */
export function snapshotFinding(dist = join(installDir(), "dist"), running: NodeBuild = THIS_NODE): Finding {
  const blob = join(dist, "serve.blob");
  const fail = (problem: string): Finding => ({
    host: null,
    level: "warn",
    message: `${problem}: \`node --snapshot-blob dist/serve.blob serve\` cannot start (mcp.json's \`node dist/cli.js serve\` is not affected)`,
    fix: `npm run build in ${dirname(dist)} with this Node.js (until then, node dist/cli.js serve starts the same server)`,
  });
  if (!existsSync(blob)) return fail(`${blob} is missing`);
  let built: NodeBuild;
  try {
    built = JSON.parse(readFileSync(`${blob}.json`, "utf8")) as NodeBuild;
  } catch {
    return fail(`${blob} was built by an unknown Node.js (${blob}.json is missing or unreadable)`);
  }
  const what = (b: NodeBuild) => `${b.node} (${b.platform} ${b.arch})`;
  if (built.node !== running.node || built.platform !== running.platform || built.arch !== running.arch) {
    return fail(`${blob} was built by Node.js ${what(built)}, this is ${what(running)}`);
  }
  return { host: null, level: "ok", message: `${blob}, the optional start-up snapshot, matches this Node.js ${what(running)}` };
}
