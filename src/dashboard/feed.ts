import { createLedBackend } from "../claw/backend.js";
import type { Deps } from "../deps.js";
import { fleetStatus } from "../operations/status.js";
import { JournalTail } from "./journal-tail.js";
import { RunBook } from "./run-book.js";

/** One server-sent event: its name (status, run, leds) and JSON body. */
export interface FeedEvent {
  event: "status" | "run" | "leds";
  data: unknown;
}

/** How often each source is looked at. */
export interface FeedTimes {
  /** Between two host probes (fleet_status); default 10 s. */
  probeMs?: number;
  /** Between two looks at the task journal; default 500 ms. */
  journalMs?: number;
  /** Between two reads of the LED strip; default 3 s. */
  ledsMs?: number;
}

/** Runs a page shows on connecting. */
const RECENT_RUNS = 6;

/**
 * The dashboard's live data, made by the operations the tools use: `fleetStatus` on an interval, the
 * task journal (which every process appends to) for tasks and fan-outs, and the LED backend's `get`.
 * Each listener gets every event; `snapshot()` is what a page that just connected needs.
 */
export class Feed {
  private readonly listeners = new Set<(e: FeedEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stop = new AbortController();
  private readonly tail: JournalTail;
  private readonly book = new RunBook();
  private status: FeedEvent | undefined;
  private leds: FeedEvent | undefined;
  private ledsJson = "";

  constructor(
    private readonly deps: Deps,
    private readonly times: FeedTimes = {},
  ) {
    this.tail = new JournalTail(deps.config.tasks.journal);
  }

  /** Starts probing, tailing and reading the strip; the first probe starts at once. */
  start(): void {
    this.book.apply(this.tail.read());
    this.every(this.times.probeMs ?? 10_000, () => this.probe());
    this.every(this.times.journalMs ?? 500, async () => this.journal());
    this.every(this.times.ledsMs ?? 3000, () => this.readLeds());
  }

  /** Stops every timer and aborts a probe in flight. */
  close(): void {
    this.stop.abort();
    for (const t of this.timers) clearTimeout(t);
    this.listeners.clear();
  }

  /** Adds a listener; returns its removal. */
  subscribe(listener: (e: FeedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest status and strip, and the recent runs oldest first (the page sorts them). */
  snapshot(): FeedEvent[] {
    const runs = this.book.latest(RECENT_RUNS).reverse().map((id): FeedEvent => ({ event: "run", data: this.book.view(id) }));
    return [this.status, this.leds, ...runs].filter((e): e is FeedEvent => e !== undefined);
  }

  private emit(e: FeedEvent): void {
    for (const listener of this.listeners) listener(e);
  }

  /** Runs `work` now and then `ms` after each end: a slow probe never overlaps the next. */
  private every(ms: number, work: () => Promise<void>): void {
    const tick = async () => {
      if (this.stop.signal.aborted) return;
      await work().catch((err: unknown) => this.deps.logger.debug({ err: String(err) }, "dashboard feed: a look failed"));
      if (this.stop.signal.aborted) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void tick();
      }, ms);
      this.timers.add(timer);
    };
    void tick();
  }

  private async probe(): Promise<void> {
    const data = await fleetStatus(this.deps, {}, { signal: this.stop.signal });
    if (this.stop.signal.aborted) return;
    this.status = { event: "status", data };
    this.emit(this.status);
  }

  private journal(): void {
    const changed = this.tail.changed() ? this.book.apply(this.tail.read()) : new Set<string>();
    for (const id of changed) this.emit({ event: "run", data: this.book.view(id) });
  }

  private async readLeds(): Promise<void> {
    const data = await createLedBackend(this.deps).run({ action: "get" }, AbortSignal.any([this.stop.signal, AbortSignal.timeout(5000)]));
    const json = JSON.stringify(data.pixels);
    if (json === this.ledsJson) return;
    [this.ledsJson, this.leds] = [json, { event: "leds", data }];
    this.emit(this.leds);
  }
}
