/** Gives a channel back; calling it twice gives back one channel. */
export type Release = () => void;

/**
 * The channels of one SSH connection, in two lanes. A task runner holds its channel for the task's
 * whole life, so tasks may take only the channels not `reserved`: control (kill, status, logs, the
 * status probe, deploy's steps) always finds one free within moments, and never queues behind work.
 * A task that finds no task channel free is told so at once (`tryTask`), rather than waiting: it
 * runs detached on its host and is followed without holding a channel.
 */
export class ChannelGate {
  private open = 0;
  private tasks = 0;
  private readonly waiting: { wake: () => void }[] = [];

  constructor(
    private readonly max: number,
    private readonly reserved: number,
    /** Called when the last channel is given back and nothing waits: the connection may close as idle. */
    private readonly onIdle: () => void,
  ) {}

  /** Whether any channel is open or awaited (the connection is in use). */
  get busy(): boolean {
    return this.open > 0 || this.waiting.length > 0;
  }

  /** A task channel now, or undefined when every one is taken. */
  tryTask(): Release | undefined {
    if (this.tasks >= this.max - this.reserved || this.open >= this.max) return undefined;
    this.tasks++;
    this.open++;
    return this.releaser(() => this.tasks--);
  }

  /** A control channel, as soon as any channel is free (first come, first served). */
  async control(signal?: AbortSignal): Promise<Release> {
    signal?.throwIfAborted();
    if (this.open < this.max && this.waiting.length === 0) {
      this.open++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
    return this.releaser();
  }

  private releaser(also?: () => void): Release {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      also?.();
      const next = this.waiting.shift();
      // The channel passes straight to the next waiter: `open` stays as it is.
      if (next) return next.wake();
      this.open--;
      if (this.open === 0) this.onIdle();
    };
  }
}
