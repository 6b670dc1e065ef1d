import PQueue from "p-queue";
import type { Deps } from "../deps.js";
import { framedValues } from "../fleet/framed.js";
import { commandLine } from "../fleet/shell.js";
import { killCommand } from "../tasks/control-scripts.js";
import { KILLTREE, TASKS_DIR } from "../tasks/remote-scripts.js";
import { confirmLarge } from "./confirm.js";
import type { OperationContext } from "./context.js";
import { applyPolicy } from "./policy.js";

/** One host's row of `teardown`. */
export interface TeardownRow {
  host: string;
  /** skipped: a plan, which touched nothing. */
  status: "succeeded" | "failed" | "unreachable" | "skipped";
  removed: string[];
  /** Tasks still running there that `force` killed before the purge. */
  cancelled?: string[];
  error?: string;
}

/** What teardown does besides removing the binary and the key files. */
export interface TeardownOptions {
  /** Also remove ~/.picoclaw and the task directories. */
  purge: boolean;
  /** With purge: kill the tasks still running there first, instead of refusing. */
  force?: boolean | undefined;
}

/** What teardown removes: the binaries and every file that holds the API key. */
const FILES = ["~/.local/bin/picoclaw", "~/.local/bin/picoclaw-launcher", "~/.picoclaw/config.json", "~/.picoclaw/.security.yml", "~/.picoclaw/.env"];
/** What `purge` removes as well: PicoClaw's workspace and config dir, and our task directories. */
const PURGE = ["~/.picoclaw", `~/${TASKS_DIR.split("/")[0]}`];

/**
 * With `check` first, prints each task still running on the host (`\036running <id>`) and removes
 * nothing if there is one: a purge would take their directories, and their results, from under
 * them. Else removes each path that exists and prints it (`\036rm <path>`), framed, so that a
 * login shell's banner is never taken for a path. Security: the paths are our own constants,
 * passed as arguments; `~/` is expanded by the script, never by interpolating text into it.
 */
const SCRIPT = `${KILLTREE}
if [ "$1" = check ]; then
  R=; for d in "$HOME/${TASKS_DIR}"/t-*; do
    [ -f "$d/pid" ] && [ ! -f "$d/exit" ] && alive "$(cat "$d/pid")" && { printf '\\036running %s\\n' "\${d##*/}"; R=1; }
  done
  [ -n "$R" ] && exit 0
fi
shift
for p in "$@"; do f="$HOME/\${p#\\~/}"; if [ -e "$f" ] || [ -L "$f" ]; then rm -rf -- "$f" && printf '\\036rm %s\\n' "$p"; fi; done`;

/**
 * Tears PicoClaw down from one host; a host where nothing is installed succeeds with nothing
 * removed. A purge where tasks still run is refused, naming them, unless `force` kills them first
 * (each then ends `cancelled`): work is never killed silently. A task's own timeout holds either way.
 */
export async function teardownHost(deps: Deps, host: string, o: TeardownOptions, signal?: AbortSignal): Promise<TeardownRow> {
  const t = deps.fleet.transport(host);
  const paths = o.purge ? [...FILES, ...PURGE] : FILES;
  const exec = (mode: "check" | "go") => t.exec(`sh -c ${commandLine([SCRIPT, "teardown", mode, ...paths])}`, { timeoutMs: deps.config.ssh.connect_timeout_s * 1000 + 30_000, ...(signal ? { signal } : {}) });
  let res = await exec(o.purge ? "check" : "go");
  const running = res.failure ? [] : framedValues(res.stdout, "running");
  if (running.length > 0) {
    const list = running.join(", ");
    if (!o.force) {
      const error = `${host} still runs ${running.length === 1 ? "task" : "tasks"} ${list}: a purge would remove their directories and results from under them. Nothing was removed. Wait for them (task_status), kill them (task_kill), or teardown again with force: true, which kills them first.`;
      return { host, status: "failed", removed: [], error };
    }
    await Promise.all(running.map((id) => (deps.tasks.journal.get(id) ? deps.tasks.kill(id) : t.exec(killCommand(id), { timeoutMs: 30_000 }))));
    res = await exec("go");
  }
  const removed = framedValues(res.stdout, "rm");
  const cancelled = running.length ? { cancelled: running } : {};
  if (res.failure) {
    const unreachable = !["timeout", "aborted", "disconnected"].includes(res.failure.kind);
    return { host, status: unreachable ? "unreachable" : "failed", removed, ...cancelled, error: res.failure.message };
  }
  if (res.exitCode !== 0) return { host, status: "failed", removed, ...cancelled, error: `teardown on ${host} exited ${res.exitCode}: ${res.stderr.trim()}` };
  deps.logger.info({ host, removed, ...cancelled }, "torn down");
  return { host, status: "succeeded", removed, ...cancelled };
}

/** `teardown` over many hosts at once, each a row; never fails as a whole. */
export async function teardown(deps: Deps, hosts: string[], o: TeardownOptions, ctx: OperationContext & { onHost?: (row: TeardownRow, done: number) => void } = {}): Promise<{ results: TeardownRow[] }> {
  const { signal, onHost } = ctx;
  const names = applyPolicy(deps.config, "teardown", deps.fleet.select({ hosts }), { explicit: true }).map((h) => h.name);
  await confirmLarge(deps, "teardown", names, ctx.confirm);
  const queue = new PQueue({ concurrency: deps.config.defaults.concurrency });
  let done = 0;
  const results = await Promise.all(
    names.map((name) =>
      queue.add(async () => {
        const row = await teardownHost(deps, name, o, signal);
        onHost?.(row, ++done);
        return row;
      }),
    ),
  );
  return { results: results as TeardownRow[] };
}
