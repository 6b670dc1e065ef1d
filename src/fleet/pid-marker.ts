const START = "\u001epcf-pid:";
const END = "\u001e\n";

/**
 * Learns the process id of a remote command without a second round trip: the command first prints
 * `$$` (the session leader sshd made, hence its process group) on stderr behind a marker, which is
 * taken out of stderr here before anyone sees it.
 */
export class PidMarker {
  private buffered = Buffer.alloc(0);
  private done = false;
  private value: number | undefined;
  private readonly waiters: ((pid: number | undefined) => void)[] = [];

  /** The command line that reports its pid before running `command`. */
  wrap(command: string): string {
    return `printf '\\036pcf-pid:%d\\036\\n' "$$" >&2; ${command}`;
  }

  /** Feeds a stderr chunk; returns what of it belongs to the command's own stderr. */
  take(chunk: Buffer): Buffer {
    if (this.done) return chunk;
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const text = this.buffered.toString("latin1");
    if (!START.startsWith(text.slice(0, START.length))) {
      return this.settle(undefined, this.buffered);
    }
    const end = text.indexOf(END);
    if (end < 0) return text.length > 64 ? this.settle(undefined, this.buffered) : Buffer.alloc(0);
    const pid = Number(text.slice(START.length, end));
    return this.settle(Number.isInteger(pid) && pid > 1 ? pid : undefined, this.buffered.subarray(end + END.length));
  }

  /** The pid, once reported; undefined if it was not within `timeoutMs`. */
  pid(timeoutMs: number): Promise<number | undefined> {
    if (this.done) return Promise.resolve(this.value);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiters.push((pid) => {
        clearTimeout(timer);
        resolve(pid);
      });
    });
  }

  private settle(pid: number | undefined, rest: Buffer): Buffer {
    this.done = true;
    this.value = pid;
    this.buffered = Buffer.alloc(0);
    for (const w of this.waiters.splice(0)) w(pid);
    return rest;
  }
}
