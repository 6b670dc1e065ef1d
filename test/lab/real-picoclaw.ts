import { execFile } from "node:child_process";
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { cachedFile } from "./build-cache.js";
import { goToolchain, runGo, type GoToolchain } from "./go-toolchain.js";

const exec = promisify(execFile);

/**
 * The PicoClaw releases the lab builds for real, oldest first: v0.2.9 the newest, v0.2.7 the one upgrades
 * start from (v0.2.8's module is not on the Go proxy: "not available"), v0.2.3 the last before `.security.yml`.
 */
export const REAL_VERSIONS = ["v0.2.3", "v0.2.7", "v0.2.9"] as const;

/** One of {@link REAL_VERSIONS}. */
export type RealVersion = (typeof REAL_VERSIONS)[number];

// GoReleaser's .ShortCommit for each: the commit the tag named when the Go proxy took the module.
const COMMITS: Record<RealVersion, string> = { "v0.2.3": "4d8fdb0", "v0.2.7": "71c877a", "v0.2.9": "2992ecc" };

/** The GoReleaser archive the lab's release server serves for amd64 with the real binary in it. */
export const REAL_ARCHIVE = "picoclaw_Linux_x86_64.tar.gz";

/** Where built binaries and archives are kept across runs, outside any checkout: `$PICOCLAW_LAB_CACHE` first. */
export const LAB_CACHE =
  process.env.PICOCLAW_LAB_CACHE ?? (process.getuid?.() === 0 ? "/var/cache/picoclaw-fleet-lab" : join(homedir(), ".cache", "picoclaw-fleet-lab"));

/** Whether a tag is one the lab builds for real. */
export function isRealVersion(tag: string): tag is RealVersion {
  return (REAL_VERSIONS as readonly string[]).includes(tag);
}

function cacheDir(version: RealVersion): string {
  return join(LAB_CACHE, "picoclaw", version, "linux-amd64");
}

// The build tags of GoReleaser's `picoclaw` build in that release's own .goreleaser.yaml (v0.2.3: stdjson alone).
function releaseTags(goreleaser: string): string {
  const block = /- id: picoclaw\n[\s\S]*?\n\s+tags:\n((?:\s+- \S+\n)+)/.exec(goreleaser);
  if (!block) throw new Error("No tags for the picoclaw build in .goreleaser.yaml");
  return [...block[1]!.matchAll(/- (\S+)/g)].map((m) => m[1]).join(",");
}

interface GoModule {
  Dir: string;
  Info: string;
}

async function picoclawModule(go: GoToolchain, version: RealVersion): Promise<GoModule> {
  const mod = JSON.parse(await runGo(go, ["mod", "download", "-json", `github.com/sipeed/picoclaw@${version}`])) as Partial<GoModule> & { Error?: string };
  if (mod.Error || !mod.Dir || !mod.Info) throw new Error(`go mod download github.com/sipeed/picoclaw@${version}: ${mod.Error ?? "no module directory"}`);
  return mod as GoModule;
}

// As the release is built: the module from the Go proxy, `go generate` for onboard's embedded workspace,
// then GoReleaser's env, tags and ldflags (-trimpath added, so the temp dir's path is not in the binary).
async function build(version: RealVersion, out: string): Promise<void> {
  const go = await goToolchain();
  const mod = await picoclawModule(go, version);
  const src = await mkdtemp(join(tmpdir(), `picoclaw-src-${version}-`));
  try {
    await exec("cp", ["-R", `${mod.Dir}/.`, src]);
    await exec("chmod", ["-R", "u+w", src]); // the module cache is read-only; go generate writes into it
    await runGo(go, ["generate", "./cmd/picoclaw/internal/onboard"], src);
    const info = JSON.parse(await readFile(mod.Info, "utf8")) as { Time: string };
    const pkg = "github.com/sipeed/picoclaw/pkg/config";
    const ldflags = [
      "-s -w",
      `-X ${pkg}.Version=${version.slice(1)}`,
      `-X ${pkg}.GitCommit=${COMMITS[version]}`,
      `-X ${pkg}.BuildTime=${info.Time}`,
      `-X ${pkg}.GoVersion=${go.version}`,
    ].join(" ");
    const tags = releaseTags(await readFile(join(src, ".goreleaser.yaml"), "utf8"));
    const args = ["build", "-trimpath", "-buildvcs=false", "-tags", tags, "-ldflags", ldflags, "-o", out, "./cmd/picoclaw"];
    await runGo(go, args, src, { CGO_ENABLED: "0", GOOS: "linux", GOARCH: "amd64" });
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}

/**
 * The absolute path of the real linux/amd64 `picoclaw` of `version` (e.g. `v0.2.9`), built from its Go
 * module the first time and taken from {@link LAB_CACHE} after that, once per machine however many test
 * processes ask at once.
 */
export async function realPicoclaw(version: string): Promise<string> {
  if (!isRealVersion(version)) throw new Error(`Expected version to be one of ${REAL_VERSIONS.join(", ")}, got ${version}`);
  return cachedFile(cacheDir(version), "picoclaw", (tmp) => build(version, tmp));
}

async function pack(version: RealVersion, binary: string, out: string): Promise<void> {
  const stage = await mkdtemp(join(tmpdir(), `picoclaw-archive-${version}-`));
  try {
    await copyFile(binary, join(stage, "picoclaw"));
    await chmod(join(stage, "picoclaw"), 0o755);
    const { Dir } = await picoclawModule(await goToolchain(), version);
    await copyFile(join(Dir, "LICENSE"), join(stage, "LICENSE"));
    await chmod(join(stage, "LICENSE"), 0o644); // the module cache is read-only
    await writeFile(
      join(stage, "README.md"),
      `# PicoClaw ${version} for linux/amd64, built in the picoclaw-fleet test lab\n\n` +
        "`picoclaw` is the real program, built from the Go module as the release is built.\n" +
        "`picoclaw-launcher` is left out: its build embeds the web frontend, which needs a pnpm build.\n",
    );
    await exec("tar", ["-czf", out, "--owner=0", "--group=0", "--numeric-owner", "-C", stage, "picoclaw", "README.md", "LICENSE"]);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** The path of {@link REAL_ARCHIVE} for `version`, GoReleaser's layout (binary at the root), packed once and cached. */
export async function realArchive(version: string): Promise<string> {
  const binary = await realPicoclaw(version);
  return cachedFile(cacheDir(version as RealVersion), REAL_ARCHIVE, (tmp) => pack(version as RealVersion, binary, tmp));
}

/** Builds (or finds cached) every real version, saying how long each took: CI's step before the tests. */
export async function ensureRealPicoclaw(log: (line: string) => void): Promise<void> {
  for (const version of REAL_VERSIONS) {
    const started = Date.now();
    await realArchive(version);
    log(`real picoclaw ${version}: ${((Date.now() - started) / 1000).toFixed(1)} s (${cacheDir(version)})`);
  }
}
