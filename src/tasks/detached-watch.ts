import type { Fleet } from "../fleet/fleet.js";
import type { FleetError } from "../fleet/types.js";
import { waitSomeCommand } from "./control-scripts.js";
import { parseFrame, type TaskFrame } from "./frame.js";

/** How a detached task was last seen: ended (its frame), its directory gone, or its host out of reach. */
export type WatchOutcome = { frame: TaskFrame } | { gone: true } | { failure: FleetError };

interface Waiter {
  deadline: number;
  settle(outcome: WatchOutcome | undefined): void;
}

/** Task ids one look takes at most: each ended one may bring its capped output back. */
const PER_LOOK = 16;

/**
 * Follows tasks that run detached on their hosts (launched when no task channel was free) without
 * holding a channel while they run: once a second, one short exec per host looks at all of that
 * host's detached tasks and brings back the frames of those that ended.
 */
export class DetachedWatch {
  private readonly hosts = new Map<string, Map<string, Waiter>>();

  constructor(
    private readonly fleet: Fleet,
    private readonly capBytes: number,
    private readonly frameBytes: number,
    private readonly timeoutMs: number,
    private readonly intervalMs = 1000,
  ) {}

  /** Resolves when the task ended, its directory went, or its host failed; undefined past `forMs`. */
  wait(host: string, taskId: string, forMs: number): Promise<WatchOutcome | undefined> {
    return new Promise((resolve) => {
      let waiting = this.hosts.get(host);
      const start = !waiting;
      if (!waiting) this.hosts.set(host, (waiting = new Map()));
      waiting.set(taskId, { deadline: Date.now() + forMs, settle: resolve });
      if (start) void this.follow(host, waiting);
    });
  }

  private async follow(host: string, waiting: Map<string, Waiter>): Promise<void> {
    while (waiting.size > 0) {
      await new Promise((r) => setTimeout(r, this.intervalMs).unref());
      const ids = [...waiting.keys()].slice(0, PER_LOOK);
      const res = await this.fleet.transport(host).exec(waitSomeCommand(this.capBytes, ids), { timeoutMs: this.timeoutMs, maxOutputBytes: this.frameBytes * ids.length });
      for (const [id, outcome] of res.failure ? ids.map((id) => [id, { failure: res.failure! }] as const) : parseLook(res.stdout)) {
        waiting.get(id)?.settle(outcome);
        waiting.delete(id);
      }
      const now = Date.now();
      for (const [id, waiter] of waiting) {
        if (now < waiter.deadline) continue;
        waiter.settle(undefined);
        waiting.delete(id);
      }
    }
    this.hosts.delete(host);
  }
}

/** The ended tasks of one look (WAIT_SOME's output); a task still running is not in it. */
function parseLook(stdout: string): [string, WatchOutcome][] {
  const ended: [string, WatchOutcome][] = [];
  for (const part of stdout.split("\u001epcf task ").slice(1)) {
    const nl = part.indexOf("\n");
    const id = part.slice(0, nl).trim();
    const rest = part.slice(nl + 1);
    if (rest.startsWith("\u001epcf gone")) ended.push([id, { gone: true }]);
    const frame = parseFrame(rest);
    if (frame?.state === "done") ended.push([id, { frame }]);
  }
  return ended;
}
