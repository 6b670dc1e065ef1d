/**
 * Why a command could not run to completion. `undefined` on an ExecResult means it did:
 * the command ran and `exitCode` says how it ended.
 */
export type FailureKind =
  | "unreachable" // no route, unknown name, network down
  | "refused" // TCP connection refused: nothing listens on the port
  | "connect_timeout" // no answer within ssh.connect_timeout_s
  | "auth" // the host refused every credential offered
  | "host_key" // unknown or changed host key refused by the policy
  | "timeout" // the command ran past its timeout and was killed
  | "aborted" // the caller's AbortSignal fired and the command was killed
  | "disconnected" // the connection dropped while the command ran
  | "config" // the host's entry cannot be used (bad key file, missing password env)
  | "busy"; // a task exec found every task channel of the connection taken (it did not run)

/** A failure with a one-line reason that says what to do next. */
export class FleetError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly host?: string,
    /** A refusal that a moment later may not happen again (sshd past MaxStartups): worth a retry. */
    readonly transient = false,
  ) {
    super(message);
    this.name = "FleetError";
  }
}

/** Options of the one exec primitive; every field is optional. */
export interface ExecOptions {
  /** Kill the command (its whole process group) after this many ms. Default: none. */
  timeoutMs?: number;
  /** Kill the command when this fires. */
  signal?: AbortSignal;
  /** Bytes kept per stream; past it the head and the tail are kept and `truncated` is set. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Written to the command's stdin, which is then closed (unless `stdinEnd`). Default: stdin closed at once. */
  stdin?: string | Buffer;
  /**
   * Keeps stdin open after `stdin` until this resolves, then writes what it gives and closes it:
   * a word to the command once its output was read (the task runner's acknowledgement). Never
   * resolving is fine: the command's own exit ends the exec as usual.
   */
  stdinEnd?: Promise<string | Buffer>;
  /** Called with each stdout chunk as it arrives (for progress and logs). */
  onStdout?: (chunk: Buffer) => void;
  /**
   * `task`: a command that holds its channel for a task's whole life. It may use only the channels
   * not kept for control, and fails at once with kind `busy` when none is free. Default: control,
   * which waits its turn for any channel.
   */
  lane?: "task" | "control";
}

/** One result shape for success and failure, as execa has. */
export interface ExecResult {
  host: string;
  exitCode: number | null;
  /** Signal that ended the command, when the transport reports one. */
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
  /** Set when the command did not run to completion. */
  failure?: FleetError;
}

/**
 * How the orchestrator reaches one host: SSH (pooled ssh2 connection) or the local machine.
 * Remote paths may start with `~/`, meaning the login user's home.
 */
export interface HostTransport {
  readonly kind: "ssh" | "local";
  /** Run a shell command line (already quoted by the caller: see fleet/shell.ts). */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Write a file atomically enough for config and keys (SFTP on ssh), with `mode`. */
  writeFile(path: string, data: string | Buffer, mode: number, signal?: AbortSignal): Promise<void>;
  /** Upload a local file (SFTP fastPut on ssh). */
  uploadFile(localPath: string, remotePath: string, mode: number, signal?: AbortSignal): Promise<void>;
}
