import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** The Go release fetched when the machine's own `go` predates toolchain switching (Debian 12 has 1.19). */
const BOOTSTRAP_GO = "1.25.10";
const CANDIDATES = ["go", "/usr/local/go/bin/go", "/usr/lib/go/bin/go"];

/** A `go` command the lab can build PicoClaw with. */
export interface GoToolchain {
  go: string;
  /** `go version`'s release, e.g. `go1.26.8`. */
  version: string;
}

/** Runs `go` with `args` in `cwd` (a temp dir by default) and returns its stdout; the error quotes its stderr. */
export async function runGo(tool: GoToolchain, args: string[], cwd = tmpdir(), env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await exec(tool.go, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`go ${args.join(" ")} (in ${cwd}) failed: ${(stderr || message).trim().split("\n").slice(-15).join("\n")}`);
  }
}

async function probe(go: string): Promise<GoToolchain | undefined> {
  try {
    const { stdout } = await exec(go, ["env", "GOVERSION"]);
    return { go, version: stdout.trim() };
  } catch {
    return undefined;
  }
}

// Go learnt to fetch a newer toolchain for a go.mod that asks for one (GOTOOLCHAIN) in 1.21.
function canSwitch(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^go/, "").split(".").map(Number);
  return major > 1 || minor >= 21;
}

// An older go still downloads modules: Go's toolchains are modules on the proxy (what GOTOOLCHAIN=auto fetches).
// Module zips keep no mode bits, so the programs are made executable by hand, as cmd/go does.
async function bootstrap(old: GoToolchain): Promise<GoToolchain> {
  const module = `golang.org/toolchain@v0.0.1-go${BOOTSTRAP_GO}.linux-${process.arch === "arm64" ? "arm64" : "amd64"}`;
  const { Dir } = JSON.parse(await runGo(old, ["mod", "download", "-json", module])) as { Dir: string };
  const tools = join("pkg", "tool", `linux_${process.arch === "arm64" ? "arm64" : "amd64"}`);
  for (const file of ["bin/go", "bin/gofmt", ...(await readdir(join(Dir, tools))).map((t) => join(tools, t))]) await chmod(join(Dir, file), 0o555);
  return { go: join(Dir, "bin", "go"), version: `go${BOOTSTRAP_GO}` };
}

function aptInstallGo(): void {
  const root = process.getuid?.() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    throw new Error("The test lab builds the real PicoClaw with Go and found no `go`: install Go 1.21 or newer (as root on Debian: apt-get install -y golang-go)");
  }
  process.stderr.write("test lab: installing golang-go with apt-get\n");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: ["ignore", "ignore", "inherit"], env });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "golang-go", "ca-certificates"], { stdio: ["ignore", "ignore", "inherit"], env });
}

async function find(): Promise<GoToolchain | undefined> {
  for (const go of CANDIDATES) {
    const found = await probe(go);
    if (found) return found;
  }
  return undefined;
}

async function resolve(): Promise<GoToolchain> {
  let found = await find();
  if (!found) {
    aptInstallGo();
    found = await find();
    if (!found) throw new Error("apt-get installed golang-go but no `go` runs: check /usr/bin/go");
  }
  return canSwitch(found.version) ? found : bootstrap(found);
}

let cached: Promise<GoToolchain> | undefined;

/**
 * The `go` to build PicoClaw with: the machine's own when it can switch toolchains itself (the module's
 * go.mod asks for 1.25 or newer, which GOTOOLCHAIN=auto fetches from the Go proxy), else a Go fetched from
 * the proxy as a module; with no `go` at all, Debian's golang-go is installed first (as root, like CI).
 */
export function goToolchain(): Promise<GoToolchain> {
  cached ??= resolve();
  return cached;
}
