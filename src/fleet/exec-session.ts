import { OutputCapture } from "./output-capture.js";
import { FleetError, type ExecOptions, type ExecResult } from "./types.js";

/** What a transport reports while one command runs. */
export interface ExecSink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** The command ended (exit code, or the signal that ended it). */
  exit(code: number | null, signal: string | null): void;
  /** The command could not run or its connection broke. */
  fail(error: FleetError): void;
}

/** What a transport gives back once a command started: how to stop it. */
export interface ExecHandle {
  /** Kill the command and everything it started; resolves once the kill was sent. */
  kill(): Promise<void>;
}

const DEFAULT_OUTPUT_CAP = 1024 * 1024;

/**
 * A signal of one operation's own that follows the caller's: its listeners go on this one, not on
 * the caller's, which a fan-out shares among many hosts at once (Node warns, on the person's
 * terminal, past 10 listeners on one signal). It holds no listener on the caller's signal.
 */
export function ownSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal && AbortSignal.any([signal]);
}

/**
 * The one exec loop shared by the SSH and local transports: output caps, timeout, abort and the
 * result shape live here once, so both transports fail and succeed alike.
 */
export function runExec(
  host: string,
  label: string,
  options: ExecOptions,
  start: (sink: ExecSink) => Promise<ExecHandle>,
): Promise<ExecResult> {
  const started = Date.now();
  const aborter = ownSignal(options.signal);
  const cap = options.maxOutputBytes ?? DEFAULT_OUTPUT_CAP;
  const out = new OutputCapture(cap);
  const err = new OutputCapture(cap);
  return new Promise<ExecResult>((resolve) => {
    let settled = false;
    let handle: ExecHandle | undefined;
    let stopReason: FleetError | undefined;
    const finish = (exitCode: number | null, signal: string | null, failure?: FleetError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      aborter?.removeEventListener("abort", onAbort);
      const result: ExecResult = {
        host,
        exitCode,
        signal,
        stdout: out.text(),
        stderr: err.text(),
        truncated: out.truncated || err.truncated,
        durationMs: Date.now() - started,
      };
      const why = stopReason ?? failure;
      if (why) result.failure = why;
      resolve(result);
    };
    const stop = (reason: FleetError) => {
      if (settled || stopReason) return;
      stopReason = reason;
      const killing = handle ? handle.kill() : Promise.resolve();
      // The command's own exit usually follows the kill; this bounds the wait if it does not.
      void killing.finally(() => setTimeout(() => finish(null, null), 2000).unref());
    };
    const onAbort = () => stop(new FleetError("aborted", `Cancelled on ${host}: ${label}`, host));
    const timer = options.timeoutMs
      ? setTimeout(
          () => stop(new FleetError("timeout", `Command timed out after ${fmtSeconds(options.timeoutMs!)} on ${host}: ${label}`, host)),
          options.timeoutMs,
        )
      : undefined;
    timer?.unref?.();
    if (aborter?.aborted) {
      stopReason = new FleetError("aborted", `Cancelled on ${host} before it started: ${label}`, host);
      return finish(null, null);
    }
    aborter?.addEventListener("abort", onAbort, { once: true });
    const sink: ExecSink = {
      stdout: (chunk) => {
        out.push(chunk);
        options.onStdout?.(chunk);
      },
      stderr: (chunk) => err.push(chunk),
      exit: (code, signal) => finish(code, signal),
      fail: (error) => finish(null, null, error),
    };
    start(sink).then(
      (h) => {
        handle = h;
        if (stopReason && !settled) void h.kill();
      },
      (error: unknown) => finish(null, null, asFleetError(error, host)),
    );
  });
}

/** `30 s`, `1.5 s`: the way timeouts are shown in messages. */
export function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Wraps anything thrown into a FleetError, keeping a FleetError as it is. */
export function asFleetError(error: unknown, host: string): FleetError {
  if (error instanceof FleetError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FleetError("disconnected", `${host}: ${message}`, host);
}
