/**
 * A one-line progress bar on stderr for long fan-outs and deploys: done / total, failures so far.
 * Drawn only on a terminal; on a pipe it stays silent so scripts get clean output.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private failures = 0;
  private done = 0;

  constructor(
    private label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = Boolean(stream.isTTY) && total > 0;
  }

  /** Redraws after one more item finished; `failed` counts it among the failures. */
  tick(done: number, failed = false, note = ""): void {
    this.done = done;
    if (failed) this.failures++;
    if (!this.enabled) return;
    const width = 24;
    const filled = Math.round((done / this.total) * width);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const fails = this.failures ? `, ${this.failures} failed` : "";
    this.stream.write(`\r\u001b[2K${this.label} [${bar}] ${done}/${this.total}${fails} ${note}`.slice(0, (this.stream.columns || 100) - 1));
  }

  /** Names the stage under way (`batch 2/4`) on the bar from now on. */
  stage(text: string): void {
    this.label = text;
    this.tick(this.done);
  }

  /** Clears the line so the final table starts clean. */
  end(): void {
    if (this.enabled) this.stream.write("\r\u001b[2K");
  }
}
