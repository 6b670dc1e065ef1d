import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateKey, publicKey } from "./keys.js";
import { freePort, readBanner } from "./net.js";
import { descendants, killPids, listProcesses } from "./procs.js";
import { sleep } from "./run.js";

const SSHD = "/usr/sbin/sshd";

// sshd keeps running when only some of its addresses bind, and then another process may answer on the rest.
const BIND_FAILED = /Bind to port .* failed|Cannot bind/;

/** sshd refuses to start with more ListenAddress sockets than this ("Too many listen sockets"). */
export const MAX_LISTEN_SOCKS = 16;

/** How one lab sshd is set up: where it listens, whom it admits, and what else goes in its config. */
export interface SshdSpec {
  /** Its own directory inside the lab dir: config, host key, pid file, log. */
  dir: string;
  addresses: string[];
  users: string[];
  passwordAuth: boolean;
  /** Lines put first in sshd_config: for most keywords the first value wins, so these override the lab's. */
  extra: string[];
  /** Run inside this network namespace (`ip netns exec`), on `port` (no free port is picked there). */
  netns?: string;
  /** A fixed port instead of a free one; required with `netns`. */
  port?: number;
}

let versionCache: [number, number] | undefined;

/** The installed sshd's OpenSSH version, to leave out options it does not know or add ones newer versions need. */
function sshdVersion(): [number, number] {
  if (!versionCache) {
    const match = spawnSync(SSHD, ["-V"], { encoding: "utf8" }).stderr.match(/OpenSSH_(\d+)\.(\d+)/);
    versionCache = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  }
  return versionCache;
}

/** One real OpenSSH sshd (`sshd -D -e -f <config>`) serving one or more lab hosts on one port. */
export class Sshd {
  port = 0;
  private child: ChildProcess | undefined;
  readonly keyPath: string;
  readonly configPath: string;
  readonly logPath: string;

  constructor(readonly spec: SshdSpec) {
    this.port = spec.port ?? 0;
    this.keyPath = join(spec.dir, "ssh_host_ed25519_key");
    this.configPath = join(spec.dir, "sshd_config");
    this.logPath = join(spec.dir, "sshd.log");
  }

  /** The listener's pid while it runs. */
  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Makes its host key (first time only) and starts it; the first start picks a free port, retrying on conflict. */
  async start(): Promise<void> {
    if (!existsSync(this.keyPath)) await generateKey(this.keyPath, "lab-host");
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const pickPort = this.port === 0;
    for (let attempt = 1; ; attempt++) {
      if (pickPort) this.port = await freePort(this.spec.addresses);
      this.writeConfig();
      let failure: Error | undefined;
      try {
        await this.spawnAndWait();
      } catch (error) {
        failure = error as Error;
      }
      const log = readFileSync(this.logPath, "utf8");
      const bindFailed = BIND_FAILED.test(log);
      if (!failure && !bindFailed) return;
      await this.kill();
      if (pickPort && bindFailed && attempt < 5) continue;
      throw new Error(`${failure?.message ?? "sshd failed to start"}; sshd log ${this.logPath}:\n${log.slice(-2000)}`);
    }
  }

  /** The host key's `keytype base64`. */
  hostKey(): Promise<string> {
    return publicKey(this.keyPath);
  }

  /**
   * SIGKILLs the listener and the per-connection sshd processes under it, so open connections drop as they
   * would when a host's sshd dies; the users' own commands are left alone.
   */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.pid === undefined) return;
    const procs = listProcesses();
    const sessions = descendants(procs, child.pid!, (p) => p.comm.startsWith("sshd"));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    // Unreferenced so a forgotten lab never holds a process open; referenced while we wait for its end.
    child.ref();
    killPids([child.pid!, ...sessions]);
    await exited;
    this.child = undefined;
  }

  /** Synchronous kill for process-exit cleanup: the listener and its sshd descendants, no waiting. */
  killSync(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    killPids([pid, ...descendants(listProcesses(), pid, (p) => p.comm.startsWith("sshd"))]);
  }

  /** A new host key and a restart on the same port. */
  async rotateKey(): Promise<void> {
    await this.kill();
    await generateKey(this.keyPath, "lab-host-rotated");
    await this.start();
  }

  private writeConfig(): void {
    const { addresses, users, passwordAuth, extra, dir } = this.spec;
    const [major, minor] = sshdVersion();
    const n = addresses.length;
    const lines = [
      ...extra,
      ...addresses.map((a) => `ListenAddress ${a}:${this.port}`),
      `HostKey ${this.keyPath}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "AuthorizedKeysFile .ssh/authorized_keys",
      "PubkeyAuthentication yes",
      `PasswordAuthentication ${passwordAuth ? "yes" : "no"}`,
      "KbdInteractiveAuthentication no",
      "PermitEmptyPasswords no",
      "UsePAM no",
      "PermitRootLogin no",
      "StrictModes yes",
      `AllowUsers ${users.join(" ")}`,
      // One sshd stands for n hosts: scale the unauthenticated-connection limit as n separate sshds would have it.
      // sshd takes the last MaxStartups line, not the first: left out when `extra` sets its own, so that one wins.
      ...(extra.some((l) => /^\s*MaxStartups\s/i.test(l)) ? [] : [`MaxStartups ${10 * n}:30:${100 * n}`]),
      "PrintMotd no",
      "PrintLastLog no",
      "X11Forwarding no",
      "LogLevel INFO",
      `Subsystem sftp ${existsSync("/usr/lib/openssh/sftp-server") ? "/usr/lib/openssh/sftp-server" : "internal-sftp"}`,
      // From 9.8 sshd penalises a source address for failed logins: every lab client is 127.0.0.1.
      ...(major > 9 || (major === 9 && minor >= 8) ? ["PerSourcePenalties no"] : []),
    ];
    writeFileSync(this.configPath, `${lines.join("\n")}\n`);
  }

  private async spawnAndWait(): Promise<void> {
    const log = openSync(this.logPath, "w");
    const args = ["-D", "-e", "-f", this.configPath];
    // `ip netns exec` execs sshd in place, so the child's pid is sshd's own.
    const child = this.spec.netns
      ? spawn("ip", ["netns", "exec", this.spec.netns, SSHD, ...args], { stdio: ["ignore", log, log] })
      : spawn(SSHD, args, { stdio: ["ignore", log, log] });
    closeSync(log);
    child.unref();
    this.child = child;
    let exited = false;
    child.once("exit", () => (exited = true));
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error: NodeJS.ErrnoException) =>
        reject(error.code === "ENOENT" ? new Error(`${SSHD} is missing: apt-get install openssh-server`) : error),
      );
    });
    const deadline = Date.now() + 10_000;
    const pending = new Set(this.spec.addresses);
    while (pending.size > 0) {
      if (exited) throw new Error(`sshd on port ${this.port} exited during start`);
      if (BIND_FAILED.test(readFileSync(this.logPath, "utf8"))) throw new Error(`sshd could not bind port ${this.port}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`sshd on port ${this.port} did not answer on ${[...pending].join(", ")} within 10 s`);
      }
      await Promise.all(
        [...pending].map((address) =>
          readBanner(address, this.port, 1000).then(
            () => pending.delete(address),
            () => undefined,
          ),
        ),
      );
      if (pending.size > 0) await sleep(20);
    }
  }
}
