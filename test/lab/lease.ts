import { closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { killPids, listProcesses, reapUsers } from "./procs.js";
import { removeNetns } from "./silent.js";
import { existingUids } from "./users.js";

/** Machine-wide lab state: prefix leases and the stable home paths lab users are created with. */
export const STATE_DIR = "/var/lib/picoclaw-lab";

interface LeaseRecord {
  pid: number;
  start: string;
  dir: string;
}

/** When process `pid` started (clock ticks since boot), to tell it from a later process that reuses its pid. */
export function processStart(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19];
  } catch {
    return undefined;
  }
}

function leasePath(prefix: string): string {
  return join(STATE_DIR, "leases", `${prefix}.json`);
}

/**
 * Everything a dead lab of `prefix` may have left: its sshds (found by their config path inside its dir),
 * the processes of its users, its namespace, its dir.
 */
function cleanStale(prefix: string, record: LeaseRecord | undefined): void {
  // Only a lab dir is ever removed, whatever the lease file says.
  if (record?.dir && /\/picoclaw-lab-[^/]+$/.test(record.dir)) {
    const marker = `${record.dir}/`;
    killPids(listProcesses().filter((p) => p.comm.startsWith("sshd") && p.cmd.includes(marker)).map((p) => p.pid));
    rmSync(record.dir, { recursive: true, force: true });
  }
  reapUsers(existingUids((name) => name.startsWith(`${prefix}-`)));
  removeNetns(prefix);
}

function tryLease(prefix: string, dir: string): boolean {
  const path = leasePath(prefix);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      const record: LeaseRecord = { pid: process.pid, start: processStart(process.pid) ?? "", dir };
      writeSync(fd, JSON.stringify(record));
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let record: LeaseRecord | undefined;
    try {
      record = JSON.parse(readFileSync(path, "utf8")) as LeaseRecord;
    } catch {
      record = undefined;
    }
    if (record && processStart(record.pid) === record.start) return false;
    cleanStale(prefix, record);
    rmSync(path, { force: true });
  }
  return false;
}

/**
 * Claims a name prefix for one lab, so that concurrent labs (other test runs, a bench) never share users,
 * addresses or namespaces. Without `wanted`, takes the first free `pl0`, `pl1`, ...: a run usually gets the
 * prefix the last one had, and so reuses its users. A lease whose process is gone is cleaned up and taken.
 */
export function leasePrefix(dir: string, wanted?: string): string {
  mkdirSync(join(STATE_DIR, "leases"), { recursive: true, mode: 0o755 });
  if (wanted !== undefined) {
    if (!/^[a-z][a-z0-9]{0,15}$/.test(wanted)) {
      throw new Error(`Expected prefix to be a lowercase letter then up to 15 letters or digits, got ${JSON.stringify(wanted)}`);
    }
    if (!tryLease(wanted, dir)) throw new Error(`lab prefix ${wanted} is in use by another live process`);
    return wanted;
  }
  for (let slot = 0; slot < 1000; slot++) {
    if (tryLease(`pl${slot}`, dir)) return `pl${slot}`;
  }
  throw new Error(`no free lab prefix in ${join(STATE_DIR, "leases")}`);
}

/** Gives the prefix back (synchronous: also called from the exit handler). */
export function releasePrefix(prefix: string): void {
  try {
    unlinkSync(leasePath(prefix));
  } catch {
    // Already released.
  }
}
