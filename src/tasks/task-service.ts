import type { FleetConfig } from "../config/schema.js";
import type { Fleet } from "../fleet/fleet.js";
import type { Logger } from "../log.js";
import { errorResult, NotLaunched, type HostResult } from "./host-result.js";
import { TaskJournal, type TaskRecord } from "./journal.js";
import { LOG_CAP } from "./remote-scripts.js";
import type { RunningTask, RunRequest, TaskHooks } from "./task-types.js";
import { DetachedWatch } from "./detached-watch.js";
import { CommandLane } from "./command-lane.js";
import { SshTransport } from "../fleet/ssh-transport.js";
import { launchedResult, launchTask, type LaunchSpec } from "./launch.js";
import { cleanCommand, collectCommand, killCommand } from "./control-scripts.js";
import { KeyedSerial } from "./keyed-serial.js";
import { taskLogLines } from "./log-lines.js";
import { defaultStream, lastLinesFromHost, pageFromHost, pageFromJournal, type LogPage } from "./log-page.js";
import type { LogStream } from "./control-scripts.js";
import { followTask, type FollowEnd } from "./follow.js";
import { agentMessage } from "../picoclaw/message.js";
import { sessionFor, type TaskSession } from "../picoclaw/session.js";
import { frameToResult } from "./to-result.js";
import { parseFrame } from "./frame.js";
import { isTaskId, newTaskId } from "./task-id.js";

/**
 * Runs PicoClaw tasks on hosts and follows them: each task in its own directory on its host
 * (survives a dropped connection or a restart of this server), each in the local journal,
 * each killable. Launch, wait and collect share one channel: one round trip per task.
 */
export class TaskService {
  readonly journal: TaskJournal;
  private readonly live = new Map<string, RunningTask>();
  /** Tasks whose runner removed their directory itself once it had handed over the result. */
  private readonly cleanedByRunner = new Set<string>();
  /** The tail of PicoClaw's log per finished task, until the journal has it with the result. */
  private readonly logTails = new Map<string, string>();
  /** Live tasks not handed to their runner yet: waiting for their session's turn, or for PicoClaw to deploy. */
  private readonly notOnHost = new Set<string>();
  /** Tasks of one named session on one host run one after another. */
  private readonly sessions = new KeyedSerial();
  /** Follows the tasks that run detached (no task channel was free at launch). */
  private readonly watch: DetachedWatch;
  /** Each SSH host's command lane (run_command's fast path), opened by its first command. */
  private readonly lanes = new WeakMap<SshTransport, CommandLane>();

  constructor(
    private readonly config: FleetConfig,
    private readonly fleet: Fleet,
    private readonly log: Logger,
    private readonly hooks: TaskHooks,
  ) {
    this.journal = new TaskJournal(config.tasks.journal, config.tasks.journal_max_bytes);
    this.watch = new DetachedWatch(fleet, config.tasks.output_cap_bytes, this.frameBytes(), this.execOptions(30).timeoutMs);
  }

  /** Starts a task; never throws (a host that cannot be reached gives an `unreachable` result). */
  run(req: RunRequest): RunningTask {
    const taskId = newTaskId();
    const record: TaskRecord = {
      task_id: taskId,
      host: req.host,
      task: req.task,
      started_at: new Date().toISOString(),
      timeout_s: req.timeoutS,
      status: "running",
      teardown: Boolean(req.teardown),
      launched: false,
      ...(req.kind === "command" ? { kind: "command" as const } : {}),
    };
    this.journal.start(record);
    const cancelled = new AbortController();
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const schedule = req.schedule ?? ((launch) => launch());
    const execute = () => {
      if (cancelled.signal.aborted) return Promise.resolve(errorResult(req.host, taskId, "cancelled", "cancelled before it was launched"));
      record.launched = true;
      return this.execute(taskId, req, cancelled.signal, markStarted);
    };
    // A kill of a task still queued ends it where it stands: no slot to wait for, nothing on the host.
    let dropQueued: (r: HostResult) => void = () => undefined;
    const dropped = new Promise<HostResult>((resolve) => (dropQueued = resolve));
    const result = Promise.race([schedule(execute), dropped]).then(
      (r) => this.settle(record, r, req.lastOnHost),
      (err: unknown) => this.settle(record, errorResult(req.host, taskId, err instanceof NotLaunched ? err.status : "failed", err instanceof Error ? err.message : String(err)), req.lastOnHost),
    );
    void result.finally(markStarted);
    const running: RunningTask = {
      taskId,
      result,
      started,
      cancel: async () => {
        cancelled.abort();
        if (!record.launched) return dropQueued(errorResult(req.host, taskId, "cancelled", "killed while queued: it was never launched"));
        await this.killOnHost(req.host, taskId);
      },
    };
    this.live.set(taskId, running);
    void result.finally(() => this.live.delete(taskId));
    return running;
  }

  /**
   * Resolves once every task this process started runs on its host (or has ended): a command for
   * people that returned `running` rows must not exit before then, or the launches it still had
   * under way would never reach their hosts.
   */
  async handedOff(): Promise<number> {
    const waiting = [...this.live.values()];
    await Promise.all(waiting.map((t) => t.started));
    return waiting.length;
  }

  /** The task's result: from the journal when final, else from its host (one round trip). */
  async status(taskId: string): Promise<HostResult> {
    const record = this.record(taskId);
    if (record.result) return record.result;
    const started = Date.parse(record.started_at);
    if (record.launched === false && this.live.has(taskId)) {
      return { ...errorResult(record.host, taskId, "running", "queued: waiting for a free slot in its fan-out, not launched yet"), duration_ms: Date.now() - started };
    }
    this.inConfig(record);
    const cap = this.config.tasks.output_cap_bytes;
    const res = await this.fleet.transport(record.host).exec(collectCommand(taskId, cap), { ...this.execOptions(30), maxOutputBytes: this.frameBytes() });
    if (res.failure) return { ...errorResult(record.host, taskId, "running", `${res.failure.message}; the task may still be running there: ask again later`), duration_ms: Date.now() - started };
    const frame = parseFrame(res.stdout);
    if (!frame || frame.state === "missing") return errorResult(record.host, taskId, "running", "the host gave no task state; ask again later");
    if (frame.state === "gone") {
      // Still in this server's hands (PicoClaw being deployed first): not on the host yet, not lost.
      if (this.notOnHost.has(taskId)) return { ...errorResult(record.host, taskId, "running", `not started on ${record.host} yet (PicoClaw may be deploying first); ask again later`), duration_ms: Date.now() - started };
      // Handed to its runner, yet no directory: removed under the task, which its timeout still ends.
      if (this.live.has(taskId)) return { ...errorResult(record.host, taskId, "running", `the task directory is gone from ${record.host} (a teardown with purge, or removed by hand) while the task runs: its output is lost; the host's watchdog still ends it at timeout_s ${record.timeout_s}`), duration_ms: Date.now() - started };
      // Not live and never launched: the server that queued it stopped first (a restart, a crash).
      if (record.launched === false) return this.settle(record, errorResult(record.host, taskId, "cancelled", `never launched on ${record.host}: the server that queued it stopped before its turn`));
      return this.settle(record, errorResult(record.host, taskId, "failed", `the task directory is gone from ${record.host} and its result was never collected`));
    }
    const result = frameToResult(record.host, taskId, frame, Date.now() - started, record.kind);
    if (result.status === "running" || this.live.has(taskId)) return result;
    if (frame.log) this.logTails.set(taskId, frame.log);
    return this.settle(record, result);
  }

  /**
   * What a task printed: its last `lines` lines (PicoClaw's log between its banner and its answer),
   * or, with `since`, one page of its stream from that byte offset (see log-page.ts).
   */
  async logs(taskId: string, lines: number, since?: { offset: number; stream?: LogStream | undefined }): Promise<{ task_id: string; host: string; lines: string[] } & Partial<LogPage>> {
    const record = this.record(taskId);
    if (since) {
      const stream = since.stream ?? defaultStream(record);
      const fromHost = this.inConfig(record) ? await pageFromHost(this.fleet.transport(record.host), record, stream, since.offset, this.execOptions(30).timeoutMs) : null;
      return { task_id: taskId, host: record.host, ...(fromHost ?? pageFromJournal(record, stream, since.offset)) };
    }
    // A host gone from the config is not asked (with allow_adhoc_hosts its name would be dialled as an address).
    const fromHost = this.inConfig(record) ? await lastLinesFromHost(this.fleet.transport(record.host), record, lines, this.execOptions(30).timeoutMs) : null;
    return { task_id: taskId, host: record.host, lines: fromHost ?? taskLogLines(record.result?.stdout ?? "", record.log ?? "", lines) };
  }

  /**
   * Hands over each line of the task's stream as it is written, from `offset`, until it ends
   * (one channel); resolves how it ended. The signal stops following, never the task.
   */
  async follow(taskId: string, onLine: (line: string) => void, options: { offset?: number; stream?: LogStream; signal?: AbortSignal } = {}): Promise<FollowEnd> {
    const record = this.record(taskId);
    if (!this.inConfig(record)) return "gone";
    return followTask(this.fleet.transport(record.host), taskId, options.stream ?? defaultStream(record), options.offset ?? 0, onLine, options.signal);
  }

  /** Kills a task and returns its final row (`cancelled`), or its result if it had already ended. */
  async kill(taskId: string): Promise<HostResult> {
    const record = this.record(taskId);
    if (record.result) return record.result;
    const live = this.live.get(taskId);
    if (live) {
      await live.cancel();
      return live.result;
    }
    this.inConfig(record);
    await this.killOnHost(record.host, taskId);
    return this.status(taskId);
  }

  /** Tasks known to the journal, newest first. */
  list(filter: { status?: string | undefined; host?: string | undefined } = {}): TaskRecord[] {
    return this.journal.list().filter((r) => (!filter.status || r.status === filter.status) && (!filter.host || r.host === filter.host));
  }

  private record(taskId: string): TaskRecord {
    if (!isTaskId(taskId)) throw new Error(`Expected task_id to look like t-xxxxxxxx-xxxxxxxx, got ${JSON.stringify(taskId.slice(0, 80))}`);
    const record = this.journal.get(taskId);
    if (!record) throw new Error(`Unknown task ${taskId}: not in the journal ${this.config.tasks.journal}; see task_list`);
    return record;
  }

  /** Whether the task's host is still in the config; an unfinished task on a host that is not cannot be followed. */
  private inConfig(record: TaskRecord): boolean {
    if (this.config.hosts.some((h) => h.name === record.host)) return true;
    if (record.result) return false;
    throw new Error(`Cannot follow ${record.task_id}: its host ${record.host} is no longer in the config; add it back to "hosts" to ask it`);
  }

  private async execute(taskId: string, req: RunRequest, cancelled: AbortSignal, onStarted: () => void): Promise<HostResult> {
    const started = Date.now();
    this.journal.launch(taskId);
    const command = req.kind === "command";
    const message = Buffer.from(command ? req.task : agentMessage(req.task, req.slashCommand), "utf8");
    const retentionS = this.config.tasks.retention_s;
    // A shell command has no PicoClaw session: nothing to name, nothing to remove after.
    const session: TaskSession = command ? { key: "" } : sessionFor(taskId, req.session);
    const spec: LaunchSpec = {
      host: req.host,
      message,
      args: { taskId, timeoutS: req.timeoutS, capBytes: this.config.tasks.output_cap_bytes, session: session.key, sessionFileToRemove: session.oneShotFile, model: req.model, meta: { task_id: taskId, host: req.host, timeout_s: req.timeoutS }, retentionS, maxOutputBytes: this.config.tasks.max_output_bytes, messageBytes: message.length, kind: req.kind },
      ...this.execOptions(req.timeoutS + 15),
      frameBytes: this.frameBytes(),
      watchMs: (req.timeoutS + 30) * 1000,
      onStarted,
    };
    const launch = () => {
      this.notOnHost.delete(taskId);
      return launchTask(this.fleet, this.watch, spec, retentionS === 0, command ? this.lane(req.host) : undefined);
    };
    // A named session is one conversation: its tasks on one host take turns.
    const inTurn = session.key && !session.oneShotFile ? () => this.sessions.run(`${req.host}\n${session.key}`, launch) : launch;
    this.notOnHost.add(taskId);
    let out = await inTurn();
    if (out.kind === "missing") {
      if (!req.deploy) return errorResult(req.host, taskId, "failed", `PicoClaw is not installed on ${req.host}: run deploy_host first, or dispatch with deploy: true`, Date.now() - started);
      this.notOnHost.add(taskId);
      await req.deploy(cancelled).finally(() => this.notOnHost.delete(taskId));
      if (cancelled.aborted) return errorResult(req.host, taskId, "cancelled", "cancelled while deploying", Date.now() - started);
      out = await inTurn();
    }
    if (out.kind === "ended") {
      if (out.cleaned) this.cleanedByRunner.add(taskId);
      if (out.frame.log) this.logTails.set(taskId, out.frame.log);
    }
    return launchedResult(out, req.host, taskId, Date.now() - started, req.kind, cancelled.aborted);
  }

  /** Journal the final result, clean the host's task directory (unless its runner did), tear down if asked. */
  private async settle(record: TaskRecord, result: HostResult, lastOnHost?: () => boolean): Promise<HostResult> {
    if (result.status === "running") return result;
    this.journal.finish(result, this.logTails.get(record.task_id));
    this.logTails.delete(record.task_id);
    this.hooks.completed?.(result, record.kind ?? "agent");
    // Never launched (skipped by a fan-out's brakes, cancelled in its queue): nothing on the host to clean or tear down.
    if (record.launched === false) return result;
    const host = record.host;
    const cleaned = this.cleanedByRunner.delete(record.task_id);
    if (this.config.tasks.retention_s === 0 && result.status !== "unreachable" && !cleaned) {
      await this.fleet.transport(host).exec(cleanCommand(record.task_id), this.execOptions(30));
    }
    if (record.teardown && (lastOnHost?.() ?? true)) await this.hooks.teardown(host).catch((err: Error) => this.log.warn({ host, err: err.message }, "teardown after task failed"));
    return result;
  }

  private lane(host: string): CommandLane | undefined {
    const transport = this.fleet.transport(host);
    if (!(transport instanceof SshTransport)) return undefined;
    let lane = this.lanes.get(transport);
    if (!lane) this.lanes.set(transport, (lane = new CommandLane(transport, this.config.tasks.retention_s, this.config.ssh.idle_s * 1000, this.log)));
    return lane;
  }

  private async killOnHost(host: string, taskId: string): Promise<void> {
    const res = await this.fleet.transport(host).exec(killCommand(taskId), this.execOptions(30));
    if (res.failure) this.log.warn({ host, task: taskId, err: res.failure.message }, "could not kill task");
  }

  /** The frame carries up to `cap` bytes per stream and LOG_CAP of the log, as base64: the exec cap must hold it whole. */
  private frameBytes(): number {
    return this.config.tasks.output_cap_bytes * 3 + LOG_CAP * 2 + 65_536;
  }

  private execOptions(timeoutS: number) {
    return { timeoutMs: this.config.ssh.connect_timeout_s * 1000 + timeoutS * 1000 };
  }
}
