import type { FleetConfig } from "../config/schema.js";
import type { Fleet } from "../fleet/fleet.js";
import type { Logger } from "../log.js";
import { errorResult, type HostResult } from "./host-result.js";
import { TaskJournal, type TaskRecord } from "./journal.js";
import { LOG_CAP } from "./remote-scripts.js";
import { DetachedWatch } from "./detached-watch.js";
import { launchTask, type LaunchSpec } from "./launch.js";
import { cleanCommand, collectCommand, killCommand, logsCommand } from "./control-scripts.js";
import { KeyedSerial } from "./keyed-serial.js";
import { taskLogLines } from "./log-lines.js";
import { agentMessage } from "../picoclaw/message.js";
import { sessionFor } from "../picoclaw/session.js";
import { frameToResult, resultFromFailure } from "./to-result.js";
import { parseFrame } from "./frame.js";
import { isTaskId, newTaskId } from "./task-id.js";

/** What a caller asks to run on one host. */
export interface RunRequest {
  host: string;
  task: string;
  timeoutS: number;
  session?: string | undefined;
  model?: string | undefined;
  /** Run the task as one of PicoClaw's own slash commands (`/help`) instead of giving it to the model. */
  slashCommand?: boolean | undefined;
  teardown?: boolean;
  /**
   * With teardown: asked once as the task ends, whether it is the last of its call on its host
   * (see hostCountdown); absent: it is. Only the last tears down, never from under the others.
   */
  lastOnHost?: (() => boolean) | undefined;
  /** Called when PicoClaw is missing on the host; resolves once it is installed. Absent: a missing PicoClaw fails the task. */
  deploy?: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** Schedules the launch (a fan-out's concurrency queue); default: at once. */
  schedule?: <T>(launch: () => Promise<T>) => Promise<T>;
}

/** A task that was started: its id at once, its result when it ends. */
export interface RunningTask {
  taskId: string;
  result: Promise<HostResult>;
  /** Kills the task on its host (the result then comes back `cancelled`). */
  cancel(): Promise<void>;
}

/** Hooks the task service calls out to: tear PicoClaw down after a task that asked for it. */
export interface TaskHooks {
  teardown(host: string): Promise<void>;
}

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
    };
    this.journal.start(record);
    const cancelled = new AbortController();
    const schedule = req.schedule ?? ((launch) => launch());
    const execute = () => {
      if (cancelled.signal.aborted) return Promise.resolve(errorResult(req.host, taskId, "cancelled", "cancelled before it was launched"));
      record.launched = true;
      return this.execute(taskId, req, cancelled.signal);
    };
    // A kill of a task still queued ends it where it stands: no slot to wait for, nothing on the host.
    let dropQueued: (r: HostResult) => void = () => undefined;
    const dropped = new Promise<HostResult>((resolve) => (dropQueued = resolve));
    const result = Promise.race([schedule(execute), dropped]).then(
      (r) => this.settle(record, r, req.lastOnHost),
      (err: unknown) => this.settle(record, errorResult(req.host, taskId, "failed", err instanceof Error ? err.message : String(err)), req.lastOnHost),
    );
    const running: RunningTask = {
      taskId,
      result,
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
    const result = frameToResult(record.host, taskId, frame, Date.now() - started);
    if (result.status === "running" || this.live.has(taskId)) return result;
    if (frame.log) this.logTails.set(taskId, frame.log);
    return this.settle(record, result);
  }

  /** The last `lines` lines of the task's stdout. */
  async logs(taskId: string, lines: number): Promise<{ task_id: string; host: string; lines: string[] }> {
    const record = this.record(taskId);
    // A host gone from the config is not asked (with allow_adhoc_hosts its name would be dialled as an address).
    const res = this.inConfig(record) ? await this.fleet.transport(record.host).exec(logsCommand(taskId, lines), this.execOptions(30)) : undefined;
    if (res?.failure) throw new Error(`Cannot read the log of ${taskId} on ${record.host}: ${res.failure.message}`);
    const text = res?.stdout ?? "";
    if (!res || text.includes("\u001epcf gone\n")) {
      return { task_id: taskId, host: record.host, lines: taskLogLines(record.result?.stdout ?? "", record.log ?? "", lines) };
    }
    // Found by marker, not position: a chatty login shell may print before the script does.
    const logAt = text.indexOf("\u001epcf log\n");
    const outAt = text.indexOf("\u001epcf out\n", logAt);
    if (logAt < 0 || outAt < 0) throw new Error(`Cannot read the log of ${taskId} on ${record.host}: the host's answer was cut short; try again`);
    return { task_id: taskId, host: record.host, lines: taskLogLines(text.slice(outAt + 9), text.slice(logAt + 9, outAt), lines) };
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

  private async execute(taskId: string, req: RunRequest, cancelled: AbortSignal): Promise<HostResult> {
    const started = Date.now();
    this.journal.launch(taskId);
    const message = Buffer.from(agentMessage(req.task, req.slashCommand), "utf8");
    const retentionS = this.config.tasks.retention_s;
    const session = sessionFor(taskId, req.session);
    const spec: LaunchSpec = {
      host: req.host,
      message,
      args: { taskId, timeoutS: req.timeoutS, capBytes: this.config.tasks.output_cap_bytes, session: session.key, sessionFileToRemove: session.oneShotFile, model: req.model, meta: { task_id: taskId, host: req.host, timeout_s: req.timeoutS }, retentionS, maxOutputBytes: this.config.tasks.max_output_bytes, messageBytes: message.length },
      ...this.execOptions(req.timeoutS + 15),
      frameBytes: this.frameBytes(),
      watchMs: (req.timeoutS + 30) * 1000,
    };
    const launch = () => {
      this.notOnHost.delete(taskId);
      return launchTask(this.fleet, this.watch, spec, retentionS === 0);
    };
    // A named session is one conversation: its tasks on one host take turns.
    const inTurn = session.oneShotFile ? launch : () => this.sessions.run(`${req.host}\n${session.key}`, launch);
    this.notOnHost.add(taskId);
    let out = await inTurn();
    if (out.kind === "missing") {
      if (!req.deploy) return errorResult(req.host, taskId, "failed", `PicoClaw is not installed on ${req.host}: run deploy_host first, or dispatch with deploy: true`, Date.now() - started);
      this.notOnHost.add(taskId);
      await req.deploy(cancelled).finally(() => this.notOnHost.delete(taskId));
      if (cancelled.aborted) return errorResult(req.host, taskId, "cancelled", "cancelled while deploying", Date.now() - started);
      out = await inTurn();
    }
    const ms = Date.now() - started;
    switch (out.kind) {
      case "ended":
        if (out.cleaned) this.cleanedByRunner.add(taskId);
        if (out.frame.log) this.logTails.set(taskId, out.frame.log);
        return frameToResult(req.host, taskId, out.frame, ms);
      case "failure":
        return out.detached
          ? errorResult(req.host, taskId, "running", `${out.failure.message}; the task goes on on the host: follow it with task_status ${taskId}`, ms)
          : resultFromFailure(req.host, taskId, out.failure, ms);
      case "waiting":
        return errorResult(req.host, taskId, "running", `still running on ${req.host}; follow it with task_status ${taskId}`, ms);
      case "gone":
        return errorResult(req.host, taskId, cancelled.aborted ? "cancelled" : "failed", `the task directory is gone from ${req.host} (removed by a teardown with purge, or by hand) and its result with it`, ms);
      case "missing":
        return errorResult(req.host, taskId, "failed", `PicoClaw is still missing on ${req.host} after the deploy`, ms);
      case "no-result":
        return errorResult(req.host, taskId, "failed", `no result from ${req.host} (${out.why})`, ms);
    }
  }

  /** Journal the final result, clean the host's task directory (unless its runner did), tear down if asked. */
  private async settle(record: TaskRecord, result: HostResult, lastOnHost?: () => boolean): Promise<HostResult> {
    if (result.status === "running") return result;
    this.journal.finish(result, this.logTails.get(record.task_id));
    this.logTails.delete(record.task_id);
    const host = record.host;
    const cleaned = this.cleanedByRunner.delete(record.task_id);
    if (this.config.tasks.retention_s === 0 && result.status !== "unreachable" && !cleaned && record.launched !== false) {
      await this.fleet.transport(host).exec(cleanCommand(record.task_id), this.execOptions(30));
    }
    if (record.teardown && (lastOnHost?.() ?? true)) await this.hooks.teardown(host).catch((err: Error) => this.log.warn({ host, err: err.message }, "teardown after task failed"));
    return result;
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
