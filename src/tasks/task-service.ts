import type { FleetConfig } from "../config/schema.js";
import type { Fleet } from "../fleet/fleet.js";
import type { ExecResult } from "../fleet/types.js";
import type { Logger } from "../log.js";
import { errorResult, NotLaunched, type HostResult } from "./host-result.js";
import { TaskJournal, type TaskRecord } from "./journal.js";
import { frameAck } from "./frame-ack.js";
import { CLEANED, cleanCommand, collectCommand, killCommand, LOG_CAP, logsCommand, runCommand } from "./remote-scripts.js";
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
  /** Called when PicoClaw is missing on the host; resolves once it is installed. Absent: a missing PicoClaw fails the task. */
  deploy?: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** Schedules the launch (a fan-out's batches and concurrency queue); default: at once. May throw NotLaunched to end the task unlaunched. */
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
  /** Tasks of one named session on one host run one after another. */
  private readonly sessions = new KeyedSerial();

  constructor(
    private readonly config: FleetConfig,
    private readonly fleet: Fleet,
    private readonly log: Logger,
    private readonly hooks: TaskHooks,
  ) {
    this.journal = new TaskJournal(config.tasks.journal, config.tasks.journal_max_bytes);
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
    const execute = () =>
      cancelled.signal.aborted
        ? Promise.resolve(errorResult(req.host, taskId, "cancelled", "cancelled before it was launched"))
        : this.execute(taskId, req, cancelled.signal);
    const result = schedule(execute).then(
      (r) => this.settle(record, r),
      (err: unknown) => this.settle(record, errorResult(req.host, taskId, err instanceof NotLaunched ? err.status : "failed", err instanceof Error ? err.message : String(err))),
    );
    const running: RunningTask = {
      taskId,
      result,
      cancel: async () => {
        cancelled.abort();
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
    const cap = this.config.tasks.output_cap_bytes;
    const res = await this.fleet.transport(record.host).exec(collectCommand(taskId, cap), { ...this.execOptions(30), maxOutputBytes: this.frameBytes() });
    if (res.failure) return { ...errorResult(record.host, taskId, "running", `${res.failure.message}; the task may still be running there: ask again later`), duration_ms: Date.now() - started };
    const frame = parseFrame(res.stdout);
    if (!frame || frame.state === "missing") return errorResult(record.host, taskId, "running", "the host gave no task state; ask again later");
    if (frame.state === "gone") {
      // Still in this server's hands (PicoClaw being deployed first): not on the host yet, not lost.
      if (this.live.has(taskId)) return { ...errorResult(record.host, taskId, "running", `not started on ${record.host} yet (PicoClaw may be deploying first); ask again later`), duration_ms: Date.now() - started };
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
    const res = await this.fleet.transport(record.host).exec(logsCommand(taskId, lines), this.execOptions(30));
    if (res.failure) throw new Error(`Cannot read the log of ${taskId} on ${record.host}: ${res.failure.message}`);
    const text = res.stdout;
    if (text.includes("\u001epcf gone\n")) {
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

  private async execute(taskId: string, req: RunRequest, cancelled: AbortSignal): Promise<HostResult> {
    const started = Date.now();
    this.journal.launch(taskId);
    const transport = this.fleet.transport(req.host);
    const cap = this.config.tasks.output_cap_bytes;
    const message = Buffer.from(agentMessage(req.task, req.slashCommand), "utf8");
    const retentionS = this.config.tasks.retention_s;
    const session = sessionFor(taskId, req.session);
    const launch = (): Promise<ExecResult> => {
      // Once the whole result is here, the runner removes the task directory on the same channel.
      const ack = frameAck(retentionS === 0);
      return transport.exec(
        runCommand({ taskId, timeoutS: req.timeoutS, capBytes: cap, session: session.key, sessionFileToRemove: session.oneShotFile, model: req.model, meta: { task_id: taskId, host: req.host, timeout_s: req.timeoutS }, retentionS, maxOutputBytes: this.config.tasks.max_output_bytes, messageBytes: message.length }),
        // The host's watchdog enforces the timeout; this bound only guards against a host that hangs.
        { stdin: message, stdinEnd: ack.stdinEnd, onStdout: ack.onStdout, ...this.execOptions(req.timeoutS + 15), maxOutputBytes: this.frameBytes() },
      );
    };
    // A named session is one conversation: its tasks on one host take turns.
    const launchInTurn = session.oneShotFile ? launch : () => this.sessions.run(`${req.host}\n${session.key}`, launch);
    let res = await launchInTurn();
    let frame = res.failure ? null : parseFrame(res.stdout);
    if (frame?.state === "missing") {
      if (!req.deploy) return errorResult(req.host, taskId, "failed", `PicoClaw is not installed on ${req.host}: run deploy_host first, or dispatch with deploy: true`, Date.now() - started);
      await req.deploy(cancelled);
      if (cancelled.aborted) return errorResult(req.host, taskId, "cancelled", "cancelled while deploying", Date.now() - started);
      res = await launchInTurn();
      frame = res.failure ? null : parseFrame(res.stdout);
    }
    if (res.failure) return resultFromFailure(req.host, taskId, res.failure, Date.now() - started);
    if (!frame || frame.state !== "done") {
      return errorResult(req.host, taskId, "failed", `no result from ${req.host} (exit ${res.exitCode}): ${res.stderr.trim().split("\n").pop() ?? ""}`, Date.now() - started);
    }
    if (res.stdout.endsWith(CLEANED)) this.cleanedByRunner.add(taskId);
    if (frame.log) this.logTails.set(taskId, frame.log);
    return frameToResult(req.host, taskId, frame, Date.now() - started);
  }

  /** Journal the final result, clean the host's task directory (unless its runner did), tear down if asked. */
  private async settle(record: TaskRecord, result: HostResult): Promise<HostResult> {
    if (result.status === "running") return result;
    this.journal.finish(result, this.logTails.get(record.task_id));
    this.logTails.delete(record.task_id);
    // Never launched (skipped by a fan-out's brakes, cancelled in its queue): nothing on the host to clean or tear down.
    if (record.launched === false) return result;
    const host = record.host;
    const cleaned = this.cleanedByRunner.delete(record.task_id);
    if (this.config.tasks.retention_s === 0 && result.status !== "unreachable" && !cleaned) {
      await this.fleet.transport(host).exec(cleanCommand(record.task_id), this.execOptions(30));
    }
    if (record.teardown) await this.hooks.teardown(host).catch((err: Error) => this.log.warn({ host, err: err.message }, "teardown after task failed"));
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
