/** What `picoclaw version` reports about the installed build. */
export interface PicoClawVersion {
  /** Version without a leading `v`, e.g. `0.2.9`; `dev` for a build without ldflags. */
  version: string;
  /** Short git commit of the build, when it was stamped in. */
  git?: string;
}

// The version line, as cmd/picoclaw/internal/version prints it: `🦞 picoclaw 0.2.9 (git: abc1234)`.
// The boxed layout (interactive wide terminals only) prints `Version  picoclaw 0.2.9 (git: …)`.
const VERSION_LINE = /(?:^|\s)picoclaw\s+v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*|dev)(?:\s+\(git:\s*([0-9A-Za-z]+)\))?/;
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Parses the output of `picoclaw version`, so status and deploy know what a host runs.
 * The ASCII banner that v0.2.1 and later print first, colours and `\r` are skipped;
 * a leading `v` is dropped. Returns `null` when no version line is found (not PicoClaw,
 * or a crash).
 */
export function parseVersionOutput(stdout: string): PicoClawVersion | null {
  const lines = stdout.replace(ANSI, "").split(/\r?\n|\r/);
  // The 🦞 line is the version line; other lines are tried only when it is absent.
  const ordered = [...lines.filter((l) => l.includes("🦞")), ...lines.filter((l) => !l.includes("🦞"))];
  for (const line of ordered) {
    const match = VERSION_LINE.exec(line);
    if (match) return match[2] ? { version: match[1]!, git: match[2] } : { version: match[1]! };
  }
  return null;
}

/**
 * Compares two PicoClaw versions (`0.2.9`, `v0.2.10`, `0.2.2-nightly.20260312`) the semver
 * way: numeric parts, then a pre-release sorts before its release. Returns -1, 0 or 1.
 * A version that is not `x.y.z` (such as `dev`) sorts before every release, so a deploy
 * replaces it.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  for (let i = 0; i < 3; i++) {
    if (pa.core[i]! !== pb.core[i]!) return pa.core[i]! < pb.core[i]! ? -1 : 1;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === "") return 1;
  if (pb.pre === "") return -1;
  return comparePrerelease(pa.pre, pb.pre);
}

function parseSemver(v: string): { core: number[]; pre: string } | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v.trim());
  if (!match) return null;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] ?? "" };
}

function comparePrerelease(a: string, b: string): -1 | 0 | 1 {
  const ia = a.split(".");
  const ib = b.split(".");
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    const x = ia[i];
    const y = ib[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx < ny ? -1 : 1;
    if (!Number.isNaN(nx)) return -1;
    if (!Number.isNaN(ny)) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
