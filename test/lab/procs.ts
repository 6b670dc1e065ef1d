import { readdirSync, readFileSync } from "node:fs";
import { sleepSync } from "./run.js";

/** One live (non-zombie) process, as /proc shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  uid: number;
  /** The kernel's short name (`sshd`, `bash`). */
  comm: string;
  /** The full command line, or `[comm]` when it has none. */
  cmd: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string): string => status.match(new RegExp(`^${name}:\\s*(.*)$`, "m"))?.[1] ?? "";
    // Zombies are already dead: the machine's init may never reap them, so they are not processes to worry about.
    if (field("State").startsWith("Z")) return undefined;
    const comm = field("Name");
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return {
      pid,
      ppid: Number(field("PPid")),
      uid: Number(field("Uid").split(/\s+/)[0]),
      comm,
      cmd: argv.length > 0 ? argv.join(" ") : `[${comm}]`,
    };
  } catch {
    return undefined;
  }
}

/** Every live process on the machine, read from /proc (synchronous: also used from an exit handler). */
export function listProcesses(): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info) procs.push(info);
  }
  return procs;
}

/** Live processes whose real uid is one of `uids`. */
export function processesOf(uids: ReadonlySet<number>): ProcInfo[] {
  return listProcesses().filter((p) => uids.has(p.uid));
}

/** The pids of `root`'s descendants (not `root` itself) that match `keep`, given one snapshot. */
export function descendants(procs: ProcInfo[], root: number, keep: (p: ProcInfo) => boolean): number[] {
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const p of procs) {
      if (p.ppid !== parent || !keep(p)) continue;
      found.push(p.pid);
      frontier.push(p.pid);
    }
  }
  return found;
}

/** Sends SIGKILL, ignoring processes that are already gone. */
export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** SIGKILLs every process of `uids` until none is left (they may fork meanwhile) or `timeoutMs` passes. */
export function reapUsers(uids: ReadonlySet<number>, timeoutMs = 3000): ProcInfo[] {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesOf(uids);
    if (left.length === 0 || Date.now() > deadline) return left;
    killPids(left.map((p) => p.pid));
    sleepSync(10);
  }
}
