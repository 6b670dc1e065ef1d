import type { HostResult } from "./host-result.js";
import type { TaskKind } from "./remote-scripts.js";

// The shapes TaskService takes and hands back, apart from the service itself.

/** What a caller asks to run on one host. */
export interface RunRequest {
  host: string;
  task: string;
  timeoutS: number;
  session?: string | undefined;
  model?: string | undefined;
  /** Run the task as one of PicoClaw's own slash commands (`/help`) instead of giving it to the model. */
  slashCommand?: boolean | undefined;
  /** `command`: the task is shell code for the host's sh (run_command); default a PicoClaw prompt. */
  kind?: TaskKind | undefined;
  teardown?: boolean;
  /**
   * With teardown: asked once as the task ends, whether it is the last of its call on its host
   * (see hostCountdown); absent: it is. Only the last tears down, never from under the others.
   */
  lastOnHost?: (() => boolean) | undefined;
  /** Called when PicoClaw is missing on the host; resolves once it is installed. Absent: a missing PicoClaw fails the task. */
  deploy?: ((signal: AbortSignal) => Promise<void>) | undefined;
  /** Schedules the launch (a fan-out's batches and concurrency queue); default: at once. May throw NotLaunched to end the task unlaunched. */
  schedule?: <T>(launch: () => Promise<T>) => Promise<T>;
}

/** A task that was started: its id at once, its result when it ends. */
export interface RunningTask {
  taskId: string;
  result: Promise<HostResult>;
  /** Resolves once the task runs on its host (or ended, or never will): this process may then go. */
  started: Promise<void>;
  /** Kills the task on its host (the result then comes back `cancelled`). */
  cancel(): Promise<void>;
}

/** Hooks the task service calls out to: tear PicoClaw down after a task that asked for it. */
export interface TaskHooks {
  teardown(host: string): Promise<void>;
  /** A task became final (its result journaled): push its completion record. */
  completed?(result: HostResult, kind: TaskKind): void;
}
