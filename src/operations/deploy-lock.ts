import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { HostTransport } from "../fleet/types.js";
import { framedValue } from "../fleet/framed.js";
import { commandLine } from "../fleet/shell.js";

/** The lock on a host that deploys take turns through, whichever process (server, CLI) runs them. */
const DEPLOY_LOCK = "~/.picoclaw-fleet/deploy.lock";

/** Minutes after which a lock is taken over: its deploy died without releasing it (a kill -9, a dropped link). */
const STALE_MIN = 10;
/** How long a deploy waits for another to the same host before it gives up, saying so. */
const WAIT_MS = 120_000;
const POLL_MS = 400;

/**
 * Takes the lock with mkdir(2), which is atomic, and records its owner; a lock older than
 * STALE_MIN minutes is removed and taken. Prints `\036lock taken` or `\036lock held <owner>`.
 * Security: the owner text and the id arrive as arguments, never spliced into the script.
 */
const ACQUIRE = `L="$HOME/.picoclaw-fleet/deploy.lock"; mkdir -p "$HOME/.picoclaw-fleet" || exit 1
[ -n "$(find "$L" -maxdepth 0 -mmin +$3 2>/dev/null)" ] && rm -rf "$L"
if mkdir "$L" 2>/dev/null; then printf '%s %s\\n' "$1" "$2" > "$L/owner"; printf '\\036lock taken\\n'
else printf '\\036lock held %s\\n' "$(cut -d' ' -f2- "$L/owner" 2>/dev/null | head -c 200)"; fi`;

/**
 * Releases the lock if it is still this deploy's (a stale take-over may have given it to another),
 * and ~/.picoclaw-fleet with it when nothing else is in there: a refused deploy leaves no trace.
 */
const RELEASE = `L="$HOME/.picoclaw-fleet/deploy.lock"; [ "$(cut -d' ' -f1 "$L/owner" 2>/dev/null)" = "$1" ] && rm -rf "$L" && rmdir "$HOME/.picoclaw-fleet" 2>/dev/null; exit 0`;

/**
 * Runs `work` holding the host's deploy lock: two deploys to one host (from this server, or from
 * the CLI beside it) never swap binaries under each other, and each result says what it installed.
 * Throws, saying who holds it, when the lock stays taken past WAIT_MS or `signal` aborts.
 */
export async function withDeployLock<T>(t: HostTransport, host: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const id = randomBytes(6).toString("hex");
  const owner = `${hostname()} pid ${process.pid} since ${new Date().toISOString()}`;
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await t.exec(`sh -c ${commandLine([ACQUIRE, "lock", id, owner, String(STALE_MIN)])}`, { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
    if (res.failure) throw new Error(`Cannot deploy to ${host}: ${res.failure.kind}: ${res.failure.message}`);
    const lock = framedValue(res.stdout, "lock");
    if (lock === null) throw new Error(`Cannot deploy to ${host}: taking ${DEPLOY_LOCK} failed (exit ${res.exitCode}): ${res.stderr.trim() || "no answer"}`);
    if (lock === "taken") break;
    const held = lock.replace(/^held ?/, "") || "an unknown owner";
    if (Date.now() > deadline || signal?.aborted) {
      throw new Error(
        `Another deploy to ${host} is running (${held}): it holds ${DEPLOY_LOCK}. Try again once it ended; a lock older than ${STALE_MIN} minutes is taken over, or remove it by hand if no deploy runs.`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await work();
  } finally {
    await t.exec(`sh -c ${commandLine([RELEASE, "unlock", id])}`, { timeoutMs: 30_000 });
  }
}
