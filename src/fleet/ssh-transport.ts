import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import PQueue from "p-queue";
import type { Logger } from "../log.js";
import { ChannelGate } from "./channel-gate.js";
import { ownSignal, runExec } from "./exec-session.js";
import { corked, openChannel, startExec } from "./ssh-channel.js";
import type { SshTarget } from "./resolve-host.js";
import { connectSsh, type SshSettings } from "./ssh-connect.js";
import { explainSftpError, sftpUpload, sftpWrite } from "./sftp.js";
import { FleetError, type ExecOptions, type ExecResult, type HostTransport } from "./types.js";

/** A long-lived shell channel and an SFTP session on one connection, held as task channels until `release`. */
export interface HeldSession {
  shell: ClientChannel;
  sftp: SFTPWrapper;
  /** Ends both channels (the shell's input first) and gives them back. */
  release(): void;
  /**
   * Runs `work`, whose writes to either channel leave in one write to the socket (one TCP segment
   * on a quiet link, not one per SSH packet: each costs both ends a wake-up).
   */
  together(work: () => void): void;
}

/** Counters a test or a bench reads to prove that pooling pays off. */
export interface ConnectionStats {
  connects: number;
  execs: number;
}

/**
 * Handshakes at once through one jump host. Each is an unauthenticated connection at its target
 * until it logs in: below OpenSSH's default `MaxStartups 10:30:100`, past which sshd drops new
 * connections at random, so a 100-host fan-out through one jump never meets those refusals. sshd
 * counts a connection until its child reports the login, which lags on a loaded host: 8 at once
 * still met a drop there, so 6 leave that lag room.
 */
const JUMP_HANDSHAKES = 6;

/** Channels of each connection that tasks never hold, so that a kill or a status reaches a busy host. */
const CONTROL_CHANNELS = 2;

/**
 * One SSH host behind one pooled ssh2 connection: opened on first use, shared by every call,
 * kept alive, closed when idle, reopened after a drop. At most `maxChannels` channels are open at
 * once (below OpenSSH's MaxSessions 10), two of them kept for control (see ChannelGate); extra
 * control work waits its turn instead of failing, and a task that finds no channel is told so.
 */
export class SshTransport implements HostTransport {
  readonly kind = "ssh" as const;
  readonly stats: ConnectionStats = { connects: 0, execs: 0 };
  private client: Promise<Client> | undefined;
  private readonly channels: ChannelGate;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Connections of hosts that jump through this one, open or opening: this one is not idle while any is. */
  private tunnels = 0;
  /** Paces the handshakes of hosts that jump through this one (see JUMP_HANDSHAKES). */
  private readonly handshakes = new PQueue({ concurrency: JUMP_HANDSHAKES });

  constructor(
    readonly target: SshTarget,
    private readonly settings: SshSettings & { maxChannels: number; idleMs: number },
    private readonly log: Logger,
    /** The jump host's transport when the target has one (its pooled connection is reused). */
    private readonly jump?: () => SshTransport,
  ) {
    this.channels = new ChannelGate(settings.maxChannels, Math.min(CONTROL_CHANNELS, settings.maxChannels - 1), () => this.armIdleClose());
  }

  /** The live connection, opening it if needed (one attempt shared by concurrent callers). */
  connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new FleetError("disconnected", `${this.target.name}: the fleet is shutting down`, this.target.name));
    clearTimeout(this.idleTimer);
    if (!this.client) {
      const attempt = (async () => {
        const jump = this.jump?.();
        // The jump connection carries this one: it must not close as idle while this one is open.
        const release = jump?.hold();
        let client: Client;
        try {
          client = jump
            ? await jump.paced(async () => connectSsh(this.target, this.settings, this.log, await jump.connection()))
            : await connectSsh(this.target, this.settings, this.log);
        } catch (err) {
          release?.();
          throw err;
        }
        this.stats.connects++;
        this.log.debug({ host: this.target.name }, "ssh connected");
        client.on("close", () => {
          release?.();
          if (this.client === attempt) this.client = undefined;
        });
        client.on("error", (err) => this.log.warn({ host: this.target.name, err: err.message }, "ssh connection error"));
        return client;
      })();
      this.client = attempt;
      attempt.catch(() => {
        if (this.client === attempt) this.client = undefined;
      });
    }
    return this.client;
  }

  /** Keeps this connection from closing as idle until the returned function is called (a host tunnelled through it). */
  hold(): () => void {
    this.tunnels++;
    clearTimeout(this.idleTimer);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.tunnels === 0 && !this.channels.busy) this.armIdleClose();
    };
  }

  /** Runs the handshake of a host that jumps through this one, at most JUMP_HANDSHAKES at once. */
  paced<T>(handshake: () => Promise<T>): Promise<T> {
    return this.handshakes.add(handshake) as Promise<T>;
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.stats.execs++;
    const label = command.length > 80 ? `${command.slice(0, 77)}...` : command;
    const run = () => runExec(this.target.name, label, options, async (sink) => startExec(await this.connection(), this.target.name, command, options, sink));
    if (options.lane === "task") {
      clearTimeout(this.idleTimer);
      const release = this.channels.tryTask();
      if (!release) return Promise.resolve(busyResult(this.target.name, this.settings.maxChannels));
      return run().finally(release);
    }
    // No signal on the wait here: an exec aborted while waiting still resolves, as an "aborted" result.
    return this.withChannel(undefined, run);
  }

  /**
   * Opens `command` on a channel of its own and an SFTP session beside it, both taken from the task
   * lane and held until released (the command lane of run_command: tasks/command-lane.ts).
   * Undefined, at once, when two task channels are not free: the caller runs its task another way.
   */
  async holdSession(command: string): Promise<HeldSession | undefined> {
    clearTimeout(this.idleTimer);
    const first = this.channels.tryTask();
    const second = first && this.channels.tryTask();
    if (!first || !second) {
      first?.();
      return undefined;
    }
    const giveBack = () => {
      first();
      second();
    };
    let shell: ClientChannel | undefined;
    try {
      const client = await this.connection();
      shell = await openChannel<ClientChannel>(this.target.name, (cb) => client.exec(command, cb));
      const sftp = await openChannel<SFTPWrapper>(this.target.name, (cb) => client.sftp(cb)).catch((err: unknown) => {
        throw explainSftpError(err, this.target.name);
      });
      const held = shell;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        held.end();
        sftp.end();
        giveBack();
      };
      held.on("close", release);
      sftp.on("close", release);
      return { shell: held, sftp, release, together: (work) => corked(client, work) };
    } catch (err) {
      shell?.close();
      giveBack();
      throw err;
    }
  }

  writeFile(path: string, data: string | Buffer, mode: number, signal?: AbortSignal): Promise<void> {
    return this.withChannel(ownSignal(signal), () => this.withSftp((sftp) => sftpWrite(sftp, path, data, mode)));
  }

  uploadFile(localPath: string, remotePath: string, mode: number, signal?: AbortSignal): Promise<void> {
    const own = ownSignal(signal);
    return this.withChannel(own, () => this.withSftp((sftp) => sftpUpload(sftp, localPath, remotePath, mode, own)));
  }

  /** Ends the connection (and refuses new work when `final`). */
  async close(final = true): Promise<void> {
    this.closed = final;
    clearTimeout(this.idleTimer);
    const pending = this.client;
    this.client = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (!client) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      client.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }

  /**
   * Runs `work` on a control channel. An abort frees the caller at once, even while the work still
   * winds down (an SFTP transfer waits for the server's answers to what it had sent); the channel
   * is given back when the work has ended.
   */
  private async withChannel<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    clearTimeout(this.idleTimer);
    const release = await this.channels.control(signal);
    const running = work().finally(release);
    if (!signal) return running;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        running.catch(() => undefined);
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      running.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  private armIdleClose(): void {
    clearTimeout(this.idleTimer);
    if (!this.client || this.settings.idleMs <= 0 || this.tunnels > 0) return;
    this.idleTimer = setTimeout(() => {
      if (!this.channels.busy && this.tunnels === 0) void this.close(false);
    }, this.settings.idleMs);
    this.idleTimer.unref();
  }

  private async withSftp<T>(work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const client = await this.connection();
    const sftp = await openChannel<SFTPWrapper>(this.target.name, (cb) => client.sftp(cb)).catch((err: unknown) => {
      throw explainSftpError(err, this.target.name);
    });
    try {
      return await work(sftp);
    } catch (err) {
      throw explainSftpError(err, this.target.name);
    } finally {
      sftp.end();
    }
  }
}

/** What a task exec gets when every task channel of the connection is taken: it never waits for one. */
function busyResult(host: string, maxChannels: number): ExecResult {
  const message = `${host}: all ${maxChannels} SSH channels but the control ones are held by running tasks`;
  return { host, exitCode: null, signal: null, stdout: "", stderr: "", truncated: false, durationMs: 0, failure: new FleetError("busy", message, host) };
}
