import { EMIT, KILLTREE, RUNNER, runnerArgs, script, TASKS_DIR, type RunArgs } from "./remote-scripts.js";

// Scripts that act on a task from outside its runner: read its state, its log, kill it, remove
// its directory, and launch it detached when no task channel is free (see ChannelGate).

/** The state of a task directory right now, without waiting (task_status after a restart or a drop). */
const COLLECT = `${EMIT}
D="$HOME/${TASKS_DIR}/$1"
if [ ! -d "$D" ]; then printf '\\036pcf gone\\n'; exit 0; fi
emit "$D" "$2"
`;

/**
 * Marks a task cancelled and kills everything it started (KILLTREE), TERM then KILL, then waits (up to 3 s) for
 * the runner to record the exit (or to remove the directory, its result handed over), so one
 * round trip leaves the task final on the host.
 */
const KILL = `${KILLTREE}
D="$HOME/${TASKS_DIR}/$1"
if [ ! -f "$D/pid" ]; then
  # Its directory removed under it (a purge, or by hand): no group to read, but the marker finds it all.
  [ -d "$D" ] || { killtree TERM "" "$1"; sleep 0.5; killtree KILL "" "$1"; printf 'killed\\n'; exit 0; }
  printf 'no-pid\\n'; exit 0
fi
[ -f "$D/exit" ] && { printf 'finished\\n'; exit 0; }
: > "$D/cancelled"; G=$(cat "$D/pid")
killtree TERM "$G" "$1"
i=0; while [ $i -lt 20 ] && alive "$G"; do sleep 0.1; i=$((i + 1)); done
killtree KILL "$G" "$1"
i=0; while [ $i -lt 30 ] && [ -d "$D" ] && [ ! -f "$D/exit" ]; do sleep 0.1; i=$((i + 1)); done
printf 'killed\\n'
`;

/**
 * The last lines a task printed (task_logs), framed: PicoClaw's log file, then its stdout; the
 * orchestrator puts them in order (see taskLogLines).
 */
const LOGS = `D="$HOME/${TASKS_DIR}/$1"; [ -d "$D" ] || { printf '\\036pcf gone\\n'; exit 0; }
printf '\\036pcf log\\n'; tail -n "$2" "$D/log" 2>/dev/null; printf '\\036pcf out\\n'; tail -n "$2" "$D/out" 2>/dev/null; exit 0`;

/** Removes a finished task's directory (after its result was collected). */
const CLEAN = `D="$HOME/${TASKS_DIR}/$1"; [ -f "$D/exit" ] && rm -rf "$D"; exit 0`;

/**
 * Starts a task detached from the channel that launches it: the message goes into the task
 * directory and the runner (its first argument) reads it from there, in a session of its own, its
 * frame going nowhere: end of input keeps the directory, and WAIT_SOME or COLLECT reads the state.
 * Prints `\036pcf detached`, or `\036pcf missing` (exit 127) when PicoClaw is not installed.
 */
const DETACH = `R=$1; shift; D="$HOME/${TASKS_DIR}/$1"; N=$9
if [ "\${11}" != command ]; then
  P="$HOME/.local/bin/picoclaw"; [ -x "$P" ] || P=$(command -v picoclaw 2>/dev/null)
  if [ -z "$P" ] || [ ! -x "$P" ]; then printf '\\036pcf missing\\n'; exit 127; fi
fi
umask 077; mkdir -p "$D" || exit 1
head -c "$N" > "$D/.message"
setsid sh -c "$R" pcf "$@" < "$D/.message" > /dev/null 2>&1 &
printf '\\036pcf detached\\n'`;

/** For each task id: `\036pcf task <id>`, then its frame when it ended, `\036pcf gone` without its directory, nothing while it runs. */
const WAIT_SOME = `${EMIT}
C=$1; shift
for id in "$@"; do
  D="$HOME/${TASKS_DIR}/$id"; printf '\\036pcf task %s\\n' "$id"
  if [ ! -d "$D" ]; then printf '\\036pcf gone\\n'; elif [ -f "$D/exit" ]; then emit "$D" "$C"; fi
done
exit 0`;

export const collectCommand = (taskId: string, capBytes: number) => script(COLLECT, [taskId, String(capBytes)]);
export const killCommand = (taskId: string) => script(KILL, [taskId]);
export const logsCommand = (taskId: string, lines: number) => script(LOGS, [taskId, String(lines)]);
export const cleanCommand = (taskId: string) => script(CLEAN, [taskId]);
/** The runner of runCommand, detached; the message comes on stdin as it does for the runner. */
export const detachCommand = (a: RunArgs) => script(DETACH, [RUNNER, ...runnerArgs(a)]);
export const waitSomeCommand = (capBytes: number, taskIds: string[]) => script(WAIT_SOME, [String(capBytes), ...taskIds]);

/**
 * Up to `max` bytes of a task's stream (`out` or `log`) from byte `offset` on: a header with the
 * stream's size and whether the task ended (read first, so an ended task's size is final), then
 * the bytes. `\036pcf gone` when the directory is gone.
 */
const SINCE = `D="$HOME/${TASKS_DIR}/$1"; f="$D/$2"
[ -d "$D" ] || { printf '\\036pcf gone\\n'; exit 0; }
e=0; [ -f "$D/exit" ] && e=1
n=0; [ -f "$f" ] && n=$(wc -c < "$f")
printf '\\036pcf size %s ended %s\\n' "$n" "$e"
[ "$n" -gt "$3" ] && tail -c +$(($3 + 1)) "$f" | head -c "$4"
exit 0`;

/**
 * Streams a task's stream (`out` or `log`) from byte `offset` as it grows, five looks a second,
 * each new piece behind a `\036pcf data <bytes>` header (so nothing the task prints can fake the
 * end), until the task ended (`\036pcf ended`) or its directory went (`\036pcf gone`).
 */
const FOLLOW = `D="$HOME/${TASKS_DIR}/$1"; f="$D/$2"; o=$3
while :; do
  [ -d "$D" ] || { printf '\\036pcf gone\\n'; exit 0; }
  e=0; [ -f "$D/exit" ] && e=1
  n=0; [ -f "$f" ] && n=$(wc -c < "$f")
  if [ "$n" -gt "$o" ]; then printf '\\036pcf data %s\\n' "$((n - o))"; tail -c +$((o + 1)) "$f" | head -c "$((n - o))"; o=$n; fi
  [ "$e" = 1 ] && { printf '\\036pcf ended\\n'; exit 0; }
  sleep 0.2
done`;

/** The streams task_logs pages through: a command's stdout, PicoClaw's own log file. */
export type LogStream = "out" | "log";
export const sinceCommand = (taskId: string, stream: LogStream, offset: number, max: number) => script(SINCE, [taskId, stream, String(offset), String(max)]);
export const followCommand = (taskId: string, stream: LogStream, offset: number) => script(FOLLOW, [taskId, stream, String(offset)]);
