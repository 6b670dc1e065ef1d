/** A task directory's state as the host printed it (see remote-scripts EMIT). */
export interface TaskFrame {
  state: "done" | "running" | "missing" | "gone";
  exitCode: number | null;
  timedOut: boolean;
  /** Killed by the host's watchdog for writing more than tasks.max_output_bytes. */
  outputLimited: boolean;
  cancelled: boolean;
  startedAt: number | null;
  endedAt: number | null;
  stdout: string;
  stderr: string;
  /** The tail of PicoClaw's own log file (PICOCLAW_LOG_FILE), up to LOG_CAP bytes. */
  log: string;
  /** Bytes the task wrote, per stream, before any cap. */
  bytes: { out: number; err: number };
  truncated: boolean;
}

const MARK = "\u001epcf";

/**
 * Security: a number as the runner prints it (digits alone), else null. The host (or the task,
 * which can write to its own task directory) controls this text; NaN, Infinity or 1e400 in a row
 * would break the tool's outputSchema and so fail a whole fan-out for one host.
 */
function int(text: string | undefined): number | null {
  return text !== undefined && /^-?\d{1,15}$/.test(text) ? Number(text) : null;
}

/**
 * Parses what the runner or `collect` printed. Output travels as base64, so binary bytes and
 * invalid UTF-8 survive the trip; they are decoded here (invalid sequences become U+FFFD).
 * Returns null when no frame is present (the channel broke before the runner printed).
 */
export function parseFrame(text: string): TaskFrame | null {
  const start = text.indexOf(MARK);
  if (start < 0) return null;
  // The runner's "started" line comes before its frame.
  const sections = text.slice(start).split(MARK).slice(1).filter((part) => part.trim() !== "started");
  if (sections.length === 0) return null;
  const head = sections[0]!.trim();
  if (head === "missing" || head === "gone") return { ...empty(), state: head };
  if (!head.startsWith("state=")) return null;
  const f = empty();
  const kv = Object.fromEntries(head.split(/\s+/).map((p) => p.split("=") as [string, string]));
  f.state = kv.state === "done" ? "done" : "running";
  f.exitCode = int(kv.exit);
  f.timedOut = kv.timed_out === "1";
  f.outputLimited = kv.output_limit === "1";
  f.cancelled = kv.cancelled === "1";
  f.startedAt = int(kv.started);
  f.endedAt = int(kv.ended);
  const parts: Record<"out" | "err", { head: Buffer; tail?: Buffer }> = { out: { head: Buffer.alloc(0) }, err: { head: Buffer.alloc(0) } };
  let ended = false;
  for (const section of sections.slice(1)) {
    const nl = section.indexOf("\n");
    const [stream, total, which] = section.slice(0, nl < 0 ? undefined : nl).trim().split(" ");
    if (stream === "end") ended = true;
    const bytes = Buffer.from(nl < 0 ? "" : section.slice(nl + 1), "base64");
    if (stream === "log") f.log = bytes.toString("utf8");
    if (stream !== "out" && stream !== "err") continue;
    f.bytes[stream] = int(total) ?? 0;
    if (which === "tail") parts[stream].tail = bytes;
    else parts[stream].head = bytes;
  }
  if (!ended) return null;
  f.stdout = joinCapped(parts.out.head, parts.out.tail, f.bytes.out);
  f.stderr = joinCapped(parts.err.head, parts.err.tail, f.bytes.err);
  f.truncated = Boolean(parts.out.tail || parts.err.tail);
  return f;
}

/** A stream as the frame carries it: whole, or its head and tail with what was dropped between them said. */
export function joinCapped(head: Buffer, tail: Buffer | undefined, total: number): string {
  return tail ? `${head.toString("utf8")}\n[… ${total - head.length - tail.length} bytes dropped …]\n${tail.toString("utf8")}` : head.toString("utf8");
}

function empty(): TaskFrame {
  return { state: "running", exitCode: null, timedOut: false, outputLimited: false, cancelled: false, startedAt: null, endedAt: null, stdout: "", stderr: "", log: "", bytes: { out: 0, err: 0 }, truncated: false };
}
