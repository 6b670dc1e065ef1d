/** The session key PicoClaw gets for a task, and the file stem of a one-shot session to remove after it. */
export interface TaskSession {
  key: string;
  /** Set for a task's own session: PicoClaw's file name for it, without `.jsonl` / `.meta.json`. */
  oneShotFile?: string;
}

/** The prefixes PicoClaw honours (pkg/session/key.go); any other key falls back to the shared `cli:default`. */
const HONOURED = ["agent:", "sk_v1_"];

/** PicoClaw's file name for a session key (pkg/memory sanitizeKey): ':', '/' and '\' become '_'. */
function sessionFileStem(key: string): string {
  return key.replace(/[:/\\]/g, "_");
}

/**
 * Every task gets a session of its own unless the caller names one: PicoClaw's default is one
 * shared conversation (`cli:default`) for every `agent -m`, so without this, history leaks from
 * task to task, grows without end, and two tasks at once write one session file with no lock.
 * A named session (`notes`) continues on purpose; it gets the `agent:` prefix PicoClaw needs to
 * honour it at all (a bare `notes` would silently mean the shared session).
 */
export function sessionFor(taskId: string, named?: string): TaskSession {
  if (named === undefined || named === "") {
    const key = `agent:fleet-${taskId}`;
    return { key, oneShotFile: sessionFileStem(key) };
  }
  return { key: HONOURED.some((p) => named.startsWith(p)) ? named : `agent:${named}` };
}
