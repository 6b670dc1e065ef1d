/**
 * Collects one output stream within a byte cap. Past the cap it keeps the head and a rolling
 * tail, so the end of the output (where PicoClaw prints its reply) is never the part that is lost.
 */
export class OutputCapture {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly cap: number) {}

  /** True once more bytes arrived than the cap keeps. */
  get truncated(): boolean {
    return this.total > this.cap;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.ceil(this.cap / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = Buffer.from(chunk.subarray(0, headRoom));
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const tailCap = Math.floor(this.cap / 2);
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= tailCap) {
      this.tailBytes -= this.tail.shift()!.length;
    }
    if (this.tailBytes > 2 * tailCap) {
      // One huge chunk: copy out the part worth keeping so the rest can be freed.
      const first = this.tail[0]!;
      const keep = Buffer.from(first.subarray(Math.min(first.length, this.tailBytes - tailCap)));
      this.tailBytes += keep.length - first.length;
      this.tail[0] = keep;
    }
  }

  /** The kept text, decoded as UTF-8 (invalid bytes become U+FFFD), with a marker where bytes were dropped. */
  text(): string {
    const headText = Buffer.concat(this.head).toString("utf8");
    if (!this.truncated) return headText + Buffer.concat(this.tail).toString("utf8");
    let tail = Buffer.concat(this.tail);
    const tailCap = Math.floor(this.cap / 2);
    if (tail.length > tailCap) tail = tail.subarray(tail.length - tailCap);
    const dropped = this.total - this.headBytes - tail.length;
    return `${headText}\n[… ${dropped} bytes dropped …]\n${tail.toString("utf8")}`;
  }
}
