import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { processStart } from "./lease.js";
import { sleep } from "./run.js";

/** How long a process waits for another one's build before giving up. */
const WAIT_MS = 20 * 60_000;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

// A lock file holding its owner's pid and start time: a lock whose owner is gone is stale and taken over.
function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, "wx", 0o644);
    writeSync(fd, `${process.pid} ${processStart(process.pid) ?? ""}`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  let owner = "";
  try {
    owner = readFileSync(lock, "utf8");
  } catch {
    return false; // released meanwhile: try again
  }
  const [pid, start] = owner.split(" ");
  if (pid && processStart(Number(pid)) === start) return false;
  rmSync(lock, { force: true });
  return tryLock(lock);
}

/**
 * `dir/name`, made by `make(tmp)` only when absent, so a slow build (a Go binary, a 35 MB tarball) happens once
 * per machine and not once per test. `make` writes `tmp` in the same directory, renamed into place when it
 * succeeds: a reader never sees a half-written file. A lock file makes concurrent test processes (other
 * worktrees, parallel runs) wait for the one that builds instead of building twice.
 */
export async function cachedFile(dir: string, name: string, make: (tmp: string) => Promise<void>): Promise<string> {
  const path = join(dir, name);
  if (await exists(path)) return path;
  await mkdir(dir, { recursive: true });
  const lock = join(dir, `.${name}.lock`);
  const deadline = Date.now() + WAIT_MS;
  while (!tryLock(lock)) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${lock}: another process has been building ${name} for ${WAIT_MS / 60_000} min`);
    await sleep(500);
  }
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  try {
    if (await exists(path)) return path; // built by the process that held the lock
    await make(tmp);
    await rename(tmp, path);
    return path;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    rmSync(lock, { force: true });
  }
}
