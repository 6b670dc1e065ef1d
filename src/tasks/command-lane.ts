import { posix } from "node:path";
import { readCapped, sftpOpen, type CappedRead } from "../fleet/sftp-read.js";
import type { HeldSession, SshTransport } from "../fleet/ssh-transport.js";
import { FleetError } from "../fleet/types.js";
import type { Logger } from "../log.js";
import { joinCapped, type TaskFrame } from "./frame.js";
import { LANE, laneAck, laneArm, laneCommand, laneRun } from "./lane-scripts.js";
import type { Launched, LaunchSpec } from "./launch.js";
import { TASKS_DIR } from "./remote-scripts.js";

const MARK = "\u001epcl ";

/** What the lane's shell said about one task. */
type LaneEvent = { kind: "started" } | { kind: "gone" } | { kind: "no-dir" } | { kind: "done"; exit: number | null; out: boolean; err: boolean; timedOut: boolean; outputLimited: boolean; cancelled: boolean };

interface Pending {
  started: boolean;
  /** Arms the task's watchdog on its host once it ran ARM_MS (see lane-scripts.ts). */
  arm: NodeJS.Timeout | undefined;
  onStarted(): void;
  settle(outcome: LaneEvent | FleetError): void;
}

/**
 * How long a command runs before its host's watchdog is armed: short commands are done by then, and
 * on a loaded host a shorter wait would arm watchdogs for them too (a fork and a `sleep` each,
 * loading the host further). The watchdog looks once a second anyway.
 */
const ARM_MS = 1000;

/** How long tasks go to the runner after a lane would not open on a host (its shell or its SFTP session). */
const REFUSED_MS = 60_000;

/**
 * run_command's fast path on one SSH host: one long-lived shell (lane-scripts.ts LANE) and one SFTP
 * session, opened by the first command and shared by every command after it, closed when idle. A
 * command's directory is made over SFTP, the shell forks it (no SSH session, no runner script per
 * task), says when it started and how it ended, and its output is read over SFTP, capped as the
 * runner's frame caps it. Results are the runner's: `launchTask` takes them as they come.
 *
 * `run` answers undefined when the lane cannot take the task (no two task channels free, a shell
 * that will not start, a NUL in the command): the caller then runs the task through the runner.
 */
export class CommandLane {
  private session: Promise<HeldSession | undefined> | undefined;
  /** The open lane's channels, once opened. */
  private held: HeldSession | undefined;
  private readonly pending = new Map<string, Pending>();
  private carry = "";
  private idleTimer: NodeJS.Timeout | undefined;
  /** Until when tasks go to the runner at once: the lane would not open on this host. */
  private refusedUntil = 0;

  constructor(
    private readonly transport: SshTransport,
    private readonly retentionS: number,
    /** How long a lane with no task stays open for the next one (the connection's own idle time); 0: until the connection closes. */
    private readonly idleMs: number,
    private readonly log: Logger,
  ) {}

  async run(spec: LaunchSpec, clean: boolean): Promise<Launched | undefined> {
    const a = spec.args;
    const command = spec.message.toString("utf8");
    if (Date.now() < this.refusedUntil || command.includes("\0")) return undefined;
    clearTimeout(this.idleTimer);
    const session = await this.open();
    if (!session) {
      this.armIdle();
      return undefined;
    }
    const dir = posix.join(TASKS_DIR, a.taskId);
    const { event, started } = await new Promise<{ event: LaneEvent | FleetError; started: boolean }>((resolve) => {
      const timer = setTimeout(() => entry.settle(new FleetError("timeout", `${spec.host}: no word on the command within ${Math.round(spec.timeoutMs / 1000)} s`, spec.host)), spec.timeoutMs);
      const entry: Pending = {
        started: false,
        arm: undefined,
        onStarted: () => {
          const at = Date.now();
          entry.arm = setTimeout(() => {
            const left = Math.max(1, a.timeoutS - Math.floor((Date.now() - at) / 1000));
            this.held?.shell.write(laneArm(a.taskId, left, a.maxOutputBytes));
          }, ARM_MS);
          spec.onStarted();
        },
        settle: (outcome) => {
          clearTimeout(timer);
          clearTimeout(entry.arm);
          this.pending.delete(a.taskId);
          resolve({ event: outcome, started: entry.started });
        },
      };
      this.pending.set(a.taskId, entry);
      // The directory over SFTP and the order to the shell in one segment, neither waiting for the
      // other: the shell makes the directory itself in the rare case it gets there first (mkdir
      // refuses whichever comes second, and each side takes a directory that exists).
      session.together(() => {
        session.sftp.mkdir(dir, { mode: 0o700 }, () => undefined);
        session.shell.write(laneRun(a.taskId, a.timeoutS, a.maxOutputBytes, a.meta, command));
      });
    });
    try {
      // Started, the task goes on on its host whatever became of the lane: task_status follows it.
      if (event instanceof FleetError) return { kind: "failure", failure: event, detached: started || event.kind === "timeout" };
      if (event.kind === "gone") return { kind: "gone" };
      if (event.kind === "no-dir") return { kind: "failure", failure: new FleetError("config", `${spec.host}: cannot make the task directory ~/${dir}`, spec.host), detached: false };
      if (event.kind === "started") return { kind: "no-result", why: "the lane answered out of turn" };
      const frame = await this.frame(session, dir, event, a.capBytes, clean ? laneAck(a.taskId) : "").catch((err: Error) => err);
      if (frame instanceof Error) return { kind: "failure", failure: new FleetError("disconnected", `${spec.host}: the command ended, and reading its output over SFTP failed: ${frame.message}`, spec.host), detached: true };
      return { kind: "ended", frame, cleaned: clean };
    } finally {
      this.armIdle();
    }
  }

  /** Closes the lane now (its shell removes the directories it was told to, then quits). */
  close(): void {
    clearTimeout(this.idleTimer);
    const session = this.session;
    this.session = undefined;
    this.held = undefined;
    void session?.then((s) => s?.release());
  }

  /** Arms the idle close once no task is in flight. */
  private armIdle(): void {
    if (this.pending.size > 0 || this.idleMs <= 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.pending.size === 0 && this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  /** The open lane, or undefined (and the next task tries again) when it could not open now. */
  private open(): Promise<HeldSession | undefined> {
    if (this.session) return this.session;
    const attempt = this.start().catch((err: Error) => {
      // No SFTP server (some dropbear or busybox hosts), or no connection: the runner serves a while.
      this.refusedUntil = Date.now() + REFUSED_MS;
      this.log.debug({ host: this.transport.target.name, err: err.message }, "command lane did not open");
      return undefined;
    });
    this.session = attempt;
    void attempt.then((s) => {
      if (!s && this.session === attempt) this.session = undefined;
    });
    return attempt;
  }

  private async start(): Promise<HeldSession | undefined> {
    const session = await this.transport.holdSession(laneCommand(this.retentionS));
    if (!session) return undefined;
    this.held = session;
    this.carry = "";
    session.shell.on("data", (chunk: Buffer) => this.held === session && this.read(chunk));
    session.shell.stderr.resume();
    session.shell.write(LANE);
    session.shell.on("close", () => {
      if (this.held !== session) return;
      this.held = undefined;
      this.session = undefined;
      const failure = new FleetError("disconnected", `Connection to ${this.transport.target.name} dropped while the command ran`, this.transport.target.name);
      for (const p of [...this.pending.values()]) p.settle(failure);
    });
    const ready = await new Promise<boolean>((resolve) => {
      this.onReady = () => resolve(true);
      session.shell.once("close", () => resolve(false));
    });
    this.onReady = () => undefined;
    if (!ready) {
      this.refusedUntil = Date.now() + REFUSED_MS;
      return undefined;
    }
    return session;
  }

  /** Called when the shell says it is ready (only while a lane starts). */
  private onReady: () => void = () => undefined;

  /** Splits the shell's output into lines and hands each event to its task. */
  private read(chunk: Buffer): void {
    const text = this.carry + chunk.toString("latin1");
    const lines = text.split("\n");
    this.carry = lines.pop() ?? "";
    for (const line of lines) {
      const at = line.indexOf(MARK);
      if (at < 0) continue; // a chatty login shell's words before the lane's
      const [id, what, ...rest] = line.slice(at + MARK.length).split(" ");
      if (id === "-" && what === "ready") {
        this.onReady();
        continue;
      }
      const p = this.pending.get(id ?? "");
      if (!p) continue;
      if (what === "started") {
        p.started = true;
        p.onStarted();
      } else if (what === "gone") p.settle({ kind: "gone" });
      else if (what === "no-dir") p.settle({ kind: "no-dir" });
      else if (what === "done") {
        const [exit, out, err, timedOut, limited, cancelled] = rest;
        p.settle({ kind: "done", exit: /^\d{1,3}$/.test(exit ?? "") ? Number(exit) : null, out: out === "1", err: err === "1", timedOut: timedOut === "1", outputLimited: limited === "1", cancelled: cancelled === "1" });
      }
    }
  }

  /**
   * The task's frame as the runner would have printed it, its streams read over SFTP; the handles'
   * close and, once both streams are read, `then` (the acknowledgement: the directory may go) leave
   * together. A stream that could not be read keeps the directory for task_status.
   */
  private async frame(session: HeldSession, dir: string, done: Extract<LaneEvent, { kind: "done" }>, cap: number, then: string): Promise<TaskFrame> {
    const { sftp } = session;
    const handles: Buffer[] = [];
    const read = async (wanted: boolean, name: string): Promise<CappedRead> => {
      if (!wanted) return { head: Buffer.alloc(0), size: 0 };
      const handle = await sftpOpen(sftp, `${dir}/${name}`);
      handles.push(handle);
      return readCapped(sftp, handle, cap);
    };
    let held = false;
    try {
      const [out, err] = await Promise.all([read(done.out, "out"), read(done.err, "err")]);
      held = true;
      return {
        state: "done",
        exitCode: done.exit,
        timedOut: done.timedOut,
        outputLimited: done.outputLimited,
        cancelled: done.cancelled,
        startedAt: null,
        endedAt: null,
        stdout: joinCapped(out.head, out.tail, out.size),
        stderr: joinCapped(err.head, err.tail, err.size),
        log: "",
        bytes: { out: out.size, err: err.size },
        truncated: Boolean(out.tail || err.tail),
      };
    } finally {
      session.together(() => {
        for (const h of handles) sftp.close(h, () => undefined);
        if (held && then) session.shell.write(then);
      });
    }
  }
}
