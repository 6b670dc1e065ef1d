import PQueue from "p-queue";
import type { Deps } from "../deps.js";
import { commandLine } from "../fleet/shell.js";
import { TASKS_DIR } from "../tasks/remote-scripts.js";
import { confirmLarge } from "./confirm.js";
import type { OperationContext } from "./dispatch.js";
import { applyPolicy } from "./policy.js";

/** One host's row of `teardown`. */
export interface TeardownRow {
  host: string;
  /** skipped: a plan, which touched nothing. */
  status: "succeeded" | "failed" | "unreachable" | "skipped";
  removed: string[];
  error?: string;
}

/** What teardown removes: the binaries and every file that holds the API key. */
const FILES = ["~/.local/bin/picoclaw", "~/.local/bin/picoclaw-launcher", "~/.picoclaw/config.json", "~/.picoclaw/.security.yml", "~/.picoclaw/.env"];
/** What `purge` removes as well: PicoClaw's workspace and config dir, and our task directories. */
const PURGE = ["~/.picoclaw", `~/${TASKS_DIR.split("/")[0]}`];

/**
 * Removes each path that exists and prints it. Security: the paths are our own constants, passed
 * as arguments; `~/` is expanded by the script, never by interpolating text into it.
 */
const SCRIPT = `for p in "$@"; do f="$HOME/\${p#\\~/}"; if [ -e "$f" ] || [ -L "$f" ]; then rm -rf -- "$f" && printf '%s\\n' "$p"; fi; done`;

/** Tears PicoClaw down from one host; a host where nothing is installed succeeds with nothing removed. */
export async function teardownHost(deps: Deps, host: string, purge: boolean, signal?: AbortSignal): Promise<TeardownRow> {
  const paths = purge ? [...FILES, ...PURGE] : FILES;
  const res = await deps.fleet.transport(host).exec(`sh -c ${commandLine([SCRIPT, "teardown", ...paths])}`, {
    timeoutMs: deps.config.ssh.connect_timeout_s * 1000 + 30_000,
    ...(signal ? { signal } : {}),
  });
  const removed = res.stdout.split("\n").filter(Boolean);
  if (res.failure) {
    const unreachable = !["timeout", "aborted", "disconnected"].includes(res.failure.kind);
    return { host, status: unreachable ? "unreachable" : "failed", removed, error: res.failure.message };
  }
  if (res.exitCode !== 0) return { host, status: "failed", removed, error: `teardown on ${host} exited ${res.exitCode}: ${res.stderr.trim()}` };
  deps.logger.info({ host, removed }, "torn down");
  return { host, status: "succeeded", removed };
}

/** `teardown` over many hosts at once, each a row; never fails as a whole. */
export async function teardown(deps: Deps, hosts: string[], purge: boolean, ctx: OperationContext & { onHost?: (row: TeardownRow, done: number) => void } = {}): Promise<{ results: TeardownRow[] }> {
  const { signal, onHost } = ctx;
  const names = applyPolicy(deps.config, "teardown", deps.fleet.select({ hosts }), { explicit: true }).map((h) => h.name);
  await confirmLarge(deps, "teardown", names, ctx.confirm);
  const queue = new PQueue({ concurrency: deps.config.defaults.concurrency });
  let done = 0;
  const results = await Promise.all(
    names.map((name) =>
      queue.add(async () => {
        const row = await teardownHost(deps, name, purge, signal);
        onHost?.(row, ++done);
        return row;
      }),
    ),
  );
  return { results: results as TeardownRow[] };
}
