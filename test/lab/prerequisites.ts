import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ensureRealPicoclaw } from "./real-picoclaw.js";

/** What the lab runs, and the Debian package that brings each. */
const NEEDS: [path: string, pkg: string][] = [
  ["/usr/sbin/sshd", "openssh-server"],
  ["/usr/bin/ssh", "openssh-client"],
  ["/usr/bin/ssh-keygen", "openssh-client"],
  ["/usr/sbin/ip", "iproute2"],
  ["/usr/bin/pgrep", "procps"],
  // The fleet page's tests (test/app) drive Debian's chromium with playwright-core.
  ["/usr/bin/chromium", "chromium"],
];

/**
 * vitest globalSetup: the suite runs real sshd hosts, so on a fresh Debian machine `npm test`
 * installs the lab's packages itself (as root, like CI), and elsewhere says exactly what is missing.
 * It also makes sure the real PicoClaw builds are in the lab cache (instant once built; minutes cold).
 */
export default async function setup(): Promise<void> {
  installPackages();
  const started = Date.now();
  const lines: string[] = [];
  await ensureRealPicoclaw((line) => lines.push(line));
  if (Date.now() - started > 1000) process.stderr.write(lines.map((line) => `test lab: ${line}\n`).join(""));
}

function installPackages(): void {
  const missing = [...new Set(NEEDS.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    throw new Error(`The test lab needs ${missing.join(", ")} (real sshd hosts on loopback) and runs as root: apt-get install -y ${missing.join(" ")}, then run the tests as root`);
  }
  process.stderr.write(`test lab: installing ${missing.join(" ")} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: ["ignore", "ignore", "inherit"], env });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: ["ignore", "ignore", "inherit"], env });
}
