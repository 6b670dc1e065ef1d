import type { Logger } from "../log.js";

/** Seconds between a failed POST and the next try: three tries in all. */
const BACKOFF_MS = [500, 2000];
/** How long one POST may take before it counts as failed. */
const ATTEMPT_MS = 5000;

/**
 * Pushes completion records to `defaults.webhook_url` as work ends, whether or not any client is
 * polling: each POST a JSON body, retried with backoff, in the background. A dead or slow receiver
 * never delays or fails the work: nothing awaits a POST but `flush` at exit. The URL may carry a
 * secret (a token in its path or query), so it is never logged; failures are logged without it.
 */
export class Webhook {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly url: string | undefined,
    private readonly log: Logger,
  ) {}

  /** Whether a URL is configured: without one, nobody needs a record built. */
  get enabled(): boolean {
    return Boolean(this.url);
  }

  /** Sends one record (a finished task or fan-out), at most three tries; returns at once. */
  send(record: Record<string, unknown>): void {
    if (!this.url) return;
    const delivery = this.deliver(this.url, JSON.stringify(record), String(record.task_id ?? record.fanout_id ?? ""));
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /** Waits (at most `ms`) for the records still being sent: a process about to exit gives them a moment. */
  async flush(ms: number): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  private async deliver(url: string, body: string, id: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let why: string;
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "user-agent": "picoclaw-fleet" }, body, signal: AbortSignal.timeout(ATTEMPT_MS) });
        await res.body?.cancel();
        if (res.ok) return;
        why = `HTTP ${res.status}`;
      } catch (err) {
        why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      }
      const wait = BACKOFF_MS[attempt];
      if (wait === undefined) {
        this.log.warn({ record: id, tries: attempt + 1, why }, "webhook: completion record not delivered (defaults.webhook_url)");
        return;
      }
      await new Promise((r) => setTimeout(r, wait).unref());
    }
  }
}
