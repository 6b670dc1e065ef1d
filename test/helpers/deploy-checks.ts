import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import type { Deps } from "../../src/deps.js";
import { createLogger } from "../../src/log.js";
import { buildDeps } from "../../src/wire.js";
import type { Lab, LabHost } from "../lab/sshd-lab.js";

/** Deps like `depsFor`, but with a trace-level logger writing to a file (in `dir`) the test reads back. */
export function depsWithLogFile(configPath: string, dir: string): { deps: Deps; logFile: string; readLog(): string; closeLog(): void } {
  const logFile = join(mkdtempSync(join(dir, "log-")), "server.log");
  const fd = openSync(logFile, "a");
  const logger = createLogger({ level: "trace", destination: fd });
  const deps = buildDeps(parseConfig(JSON.parse(readFileSync(configPath, "utf8")), configPath), configPath, logger);
  return { deps, logFile, readLog: () => readFileSync(logFile, "utf8"), closeLog: () => closeSync(fd) };
}

/** Every regular file under `dir` (relative path, mode, size, mtime, sha256), read as root; `skip` names top-level entries left out. */
export function snapshotFiles(dir: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (skip.includes(rel.split("/")[0]!)) continue;
    const st = lstatSync(join(dir, rel));
    if (!st.isFile()) continue;
    const sha = createHash("sha256").update(readFileSync(join(dir, rel))).digest("hex").slice(0, 16);
    out.set(rel, `${(st.mode & 0o7777).toString(8)} ${st.size} ${st.mtimeMs} ${sha}`);
  }
  return out;
}

/** Every directory under `dir`, relative. */
export function listDirs(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((rel) => lstatSync(join(dir, rel)).isDirectory()).sort();
}

/** Files under `dir` (top-level entries in `skip` left out) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string, skip: string[] = []): string[] {
  const hits: string[] = [];
  for (const rel of readdirSync(dir, { recursive: true }) as string[]) {
    if (skip.includes(rel.split("/")[0]!)) continue;
    const path = join(dir, rel);
    if (lstatSync(path).isFile() && readFileSync(path).includes(needle)) hits.push(rel);
  }
  return hits;
}

/** What the process sampler saw between start and stop. */
export interface SampleReport {
  /** Full scans of /proc. */
  scans: number;
  /** Distinct command lines of the watched user's processes. */
  commands: string[];
  /** Command lines (any process on the machine) holding a needle, by needle. */
  hits: Record<string, string[]>;
}

// Scans every /proc/<pid>/cmdline in a loop until its stdin closes; the needles arrive on stdin's
// first line (JSON), never in an argv of its own. Its own pid is skipped.
const SAMPLER = String.raw`
import json, os, sys, threading
needles = json.loads(sys.stdin.readline())
uid = int(sys.argv[1]); me = os.getpid()
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
scans, commands, hits = 0, set(), {n: set() for n in needles}
while not stop.is_set():
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                raw = f.read()
            owner = os.stat("/proc/" + pid).st_uid
        except OSError:
            continue
        line = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
        if owner == uid and line:
            commands.add(line[:200])
        for n in needles:
            if n.encode() in raw:
                hits[n].add(line[:200])
    scans += 1
print(json.dumps({"scans": scans, "commands": sorted(commands), "hits": {n: sorted(v) for n, v in hits.items()}}))
`;

/** Samples every process's command line as root, in a tight loop, until `stop()`. */
export function sampleCmdlines(dir: string, uid: number, needles: string[]): { stop(): Promise<SampleReport> } {
  const script = join(mkdtempSync(join(dir, "sampler-")), "sampler.py");
  writeFileSync(script, SAMPLER);
  const child = spawn("python3", [script, String(uid)], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stdin.write(`${JSON.stringify(needles)}\n`);
  const done = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      await done;
      return JSON.parse(out) as SampleReport;
    },
  };
}

// Sourced by every `bash -c` sshd runs for the user (Debian's bash reads ~/.bashrc when run by
// sshd): a `tar` that starts late, and the SFTP server behind a pipe that lets about 10 KB/s through.
const slowEnv = (upload: boolean) => `export PATH="$HOME/.lab-slow/bin:$PATH"
${upload ? `case "$BASH_EXECUTION_STRING" in */sftp-server) exec python3 "$HOME/.lab-slow/throttle.py" "$BASH_EXECUTION_STRING";; esac\n` : ""}`;
const THROTTLE = `import os, subprocess, sys, time
child = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE)
while True:
    data = os.read(0, 1024)
    if not data:
        break
    child.stdin.write(data)
    child.stdin.flush()
    time.sleep(0.1)
child.stdin.close()
sys.exit(child.wait())
`;

/**
 * Makes one lab host slow, so that a test can catch a deploy in the middle of its upload or its
 * unpack for certain: with `upload`, every SFTP request crawls (1 KiB per 100 ms); with `unpack`,
 * `tar` waits 3 s before it runs.
 */
export async function slowDown(lab: Lab, host: LabHost, what: { upload: boolean; unpack: boolean }): Promise<void> {
  await lab.writeHomeFile(host, ".bashrc", slowEnv(what.upload), 0o644);
  if (what.upload) await lab.writeHomeFile(host, ".lab-slow/throttle.py", THROTTLE, 0o644);
  await lab.writeHomeFile(host, ".lab-slow/bin/tar", what.unpack ? '#!/bin/sh\nsleep 3\nexec /bin/tar "$@"\n' : '#!/bin/sh\nexec /bin/tar "$@"\n', 0o755);
}
