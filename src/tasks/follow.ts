import type { HostTransport } from "../fleet/types.js";
import { followCommand, type LogStream } from "./control-scripts.js";

/** How a follow ended: the task ended, its directory went (collected), or the caller stopped. */
export type FollowEnd = "ended" | "gone" | "stopped";

/**
 * Reads FOLLOW's output as it streams: `\u001epcf data <n>` then n bytes, as many times as the
 * stream grew, then `\u001epcf ended` or `gone`. Whole lines go to `onLine` as they complete.
 */
class FollowParser {
  private buffer = Buffer.alloc(0);
  private want = 0;
  private partial = "";
  end: FollowEnd | undefined;

  constructor(private readonly onLine: (line: string) => void) {}

  feed(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.want > 0) {
        if (this.buffer.length === 0) return;
        const piece = this.buffer.subarray(0, this.want);
        this.buffer = this.buffer.subarray(piece.length);
        this.want -= piece.length;
        this.lines(piece.toString("utf8"));
        continue;
      }
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) return;
      const head = this.buffer.subarray(0, nl).toString("latin1");
      this.buffer = this.buffer.subarray(nl + 1);
      const data = /\u001epcf data (\d+)$/.exec(head);
      if (data) this.want = Number(data[1]);
      else if (head.endsWith("\u001epcf ended")) this.end = "ended";
      else if (head.endsWith("\u001epcf gone")) this.end = "gone";
    }
  }

  /** What is left of a last line without its newline, once the stream is over. */
  flush(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = "";
  }

  private lines(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop()!;
    for (const line of parts) this.onLine(line);
  }
}

/**
 * Follows one task's stream on its host over one channel, from byte `offset`, handing over each
 * line as the task writes it (five looks a second), until the task ends. Stopping (the signal)
 * closes the channel and leaves the task running: it runs in a session of its own.
 */
export async function followTask(t: HostTransport, taskId: string, stream: LogStream, offset: number, onLine: (line: string) => void, signal?: AbortSignal): Promise<FollowEnd> {
  const parser = new FollowParser(onLine);
  const res = await t.exec(followCommand(taskId, stream, offset), { onStdout: (c) => parser.feed(c), maxOutputBytes: 64 * 1024, ...(signal ? { signal } : {}) });
  parser.flush();
  if (signal?.aborted) return "stopped";
  if (res.failure && !parser.end) throw new Error(`Lost ${taskId} while following it: ${res.failure.message}; the task goes on (picoclaw-fleet logs ${taskId})`);
  return parser.end ?? "ended";
}
