import { commandLine, quote } from "../fleet/shell.js";

/** Where tasks live on a host, one directory each (pid, log, exit code, metadata). */
export const TASKS_DIR = ".picoclaw-fleet/tasks";

/** Bytes of the tail of PicoClaw's own log file (PICOCLAW_LOG_FILE) that a frame carries. */
export const LOG_CAP = 64 * 1024;

/** The environment variable that marks every process a task started, however it detached. */
export const TASK_MARKER = "PICOCLAW_FLEET_TASK";

/**
 * Signals everything a task started: its process group, and every process of this user whose
 * environment carries the task's marker. PicoClaw's exec tool starts each command in a process
 * group of its own (Setpgid; Setsid with a pty), and `background: true` keeps it running after the
 * answer, so the group alone misses them; the environment is inherited through all of that.
 * Arguments: signal, group, task id. Without /proc (macOS) the group is all it can reach.
 * `alive GROUP` says whether the group still has a process that is not a zombie: an init that
 * reaps late (a container's) leaves zombies in it, which `kill -0` counts as alive.
 */
export const KILLTREE = `killtree() {
  kill -"$1" -"$2" 2>/dev/null
  for e in $(grep -ls "${TASK_MARKER}=$3" /proc/[0-9]*/environ 2>/dev/null); do e=\${e#/proc/}; kill -"$1" "\${e%/environ}" 2>/dev/null; done
}
alive() {
  [ -r /proc/self/stat ] || { kill -0 -"$1" 2>/dev/null; return; }
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '{ sub(/.*\\) /, ""); if ($3 == g && $1 != "Z") { found = 1; exit } } END { exit !found }'
}`;

/**
 * `sweep_old R`: removes finished task directories older than R seconds (tasks.retention_s, for
 * results never acknowledged); nothing when R is 0. Shared by the runner and the command lane.
 */
export const SWEEP_OLD = `sweep_old() {
  [ "$1" -gt 0 ] 2>/dev/null || return 0
  for old in "$HOME/${TASKS_DIR}"/t-*; do [ -f "$old/exit" ] && [ -n "$(find "$old/exit" -mmin +$(( ($1 + 59) / 60 )) 2>/dev/null)" ] && rm -rf "$old"; done
}`;

/**
 * Prints a task directory's state, framed for `parseFrame`: a state line, the tail of PicoClaw's
 * log file, then stdout and stderr as base64 (binary-safe; head and tail past the cap). Shared by
 * the runner and `collect`.
 */
export const EMIT = `
emit() {
  D=$1; C=$2; st=running; ex=; sa=; en=; no=0; ne=0
  if [ -f "$D/exit" ]; then read -r ex < "$D/exit"; [ -n "$ex" ] && st=done; fi
  to=0; [ -f "$D/timed_out" ] && to=1
  ol=0; [ -f "$D/output_limit" ] && ol=1
  ca=0; [ -f "$D/cancelled" ] && ca=1
  # One stat for the clock and the sizes: pid is written at the start, exit at the end.
  for l in $(cd "$D" 2>/dev/null && stat -c '%n:%s:%Y' pid out err exit 2>/dev/null); do
    v=\${l#*:}
    case $l in pid:*) sa=\${v#*:} ;; out:*) no=\${v%:*} ;; err:*) ne=\${v%:*} ;; exit:*) [ "$st" = done ] && en=\${v#*:} ;; esac
  done
  printf '\\036pcf state=%s exit=%s timed_out=%s cancelled=%s output_limit=%s started=%s ended=%s\\n' "$st" "$ex" "$to" "$ca" "$ol" "$sa" "$en"
  nl=0; [ -f "$D/log" ] && nl=$(wc -c < "$D/log")
  if [ "$nl" -gt 0 ] 2>/dev/null; then printf '\\036pcf log %s tail\\n' "$nl"; tail -c "$((C < ${LOG_CAP} ? C : ${LOG_CAP}))" "$D/log" | base64; fi
  for s in out err; do
    f="$D/$s"; n=$no; [ "$s" = err ] && n=$ne
    if [ "$n" -eq 0 ] 2>/dev/null; then
      printf '\\036pcf %s 0 head\\n' "$s"
    elif [ "$n" -le "$C" ]; then
      # A finished task's file no longer grows; a running one's is read up to the size just taken.
      printf '\\036pcf %s %s head\\n' "$s" "$n"
      if [ "$st" = done ]; then base64 < "$f"; else head -c "$n" "$f" | base64; fi
    else
      h=$((C / 2)); t=$((C - h))
      printf '\\036pcf %s %s head\\n' "$s" "$n"; head -c "$h" "$f" | base64
      printf '\\036pcf %s %s tail\\n' "$s" "$n"; tail -c "$t" "$f" | base64
    fi
  done
  printf '\\036pcf end\\n'
}
`;

/**
 * The watchdog, on the host: once a second it checks whether the task ended, whether its output
 * passed the limit (a runaway agent must not fill a Pi's SD card), and whether the timeout ran
 * out; then it kills everything the task started (KILLTREE), TERM then KILL, and records the exit
 * itself if the runner could not. It quits as soon as the task ended, or its directory is gone and
 * its group with it (collected and cleaned): it must never signal a group by a stale pid.
 * Arguments: timeout_s, dir, group, byte limit, task id, and `now` to look at the output at once.
 * The runner starts it in a process group of
 * its own and ends it (group and all) with the task; the command lane arms it for a task still
 * running after a second, and it ends by itself within a second of the task.
 */
export const WATCHDOG_FN = `over() { for f in "$D/out" "$D/err"; do n=$(wc -c < "$f" 2>/dev/null || echo 0); [ "$n" -gt "$L" ] && { : > "$D/output_limit"; return 0; }; done; return 1; }
watchdog() {
T=$1; D=$2; C=$3; L=$4; ID=$5; i=0
# Armed late (the command lane's "now"): the output is looked at once at once, as the runner's first look.
if [ "$6" = now ] && over; then T=0; fi
while [ "$i" -lt "$T" ]; do
  sleep 1; i=$((i + 1))
  [ -f "$D/exit" ] && exit 0
  # A directory removed under a running task (teardown --purge) must not disarm its timeout.
  [ -d "$D" ] || { alive "$C" && continue; exit 0; }
  over && break
done
[ -f "$D/exit" ] && exit 0
[ -d "$D" ] && { [ -f "$D/output_limit" ] || : > "$D/timed_out"; }
killtree TERM "$C" "$ID"; i=0; while [ $i -lt 20 ] && alive "$C"; do sleep 0.1; i=$((i + 1)); done
killtree KILL "$C" "$ID"; sleep 1
[ ! -d "$D" ] || [ -f "$D/exit" ] || echo 137 > "$D/exit"
exit 0
}`;

/** The watchdog as a script of its own (the runner starts it in a process group of its own). */
const WATCHDOG = `${KILLTREE}
${WATCHDOG_FN}
watchdog "$@"`;

/** Quotes text for a double-quoted sh string: the watchdog travels inside the runner that way. */
function quoteForDoubleQuotes(text: string): string {
  return `"${text.replace(/[\\"$`]/g, "\\$&")}"`;
}

/**
 * The runner: reads the task (its byte length is an argument; it comes on stdin, so it never sits
 * in a command line), starts PicoClaw (or, for run_command, `sh -c` with the task as its script)
 * in a process group of its own (setsid), arms a watchdog on
 * the host that kills the group at the timeout even if the orchestrator is gone, waits, records
 * the exit code, kills whatever the task left behind (KILLTREE: background jobs of PicoClaw's exec
 * tool included), removes a one-shot session's files, and prints the result on the same channel.
 * PicoClaw's own log goes to `log` in the task directory (PICOCLAW_LOG_FILE), so stdout holds the
 * banner and the answer.
 * Then it waits for the orchestrator's word on stdin: `ok` once it holds the whole result, and
 * only then is the task directory removed (with `\036pcf cleaned`); end of input (a dropped
 * connection, or tasks.retention_s > 0) keeps it for task_status. One channel, one round trip.
 * A dropped channel does not stop the task: sshd does not signal a session without a pty, and the
 * runner's own stderr goes to a file (the shell's notes about killed jobs must not meet a dead pipe).
 * Exit 127 with state "missing" when PicoClaw is not installed.
 *
 * Its clock is the files' own: pid is written at the start, exit at the end (see EMIT).
 *
 * Security: every argument is data in "$@"; the message is read into a variable (the trailing
 * `x` keeps trailing newlines) and passed to -m as one argument.
 */
export const RUNNER = `${EMIT}
${KILLTREE}
${SWEEP_OLD}
ID=$1; D="$HOME/${TASKS_DIR}/$1"; T=$2; CAP=$3; S=$4; M=$5; META=$6; R=$7; LIMIT=$8; N=$9; SF=\${10}; K=\${11}
WATCHDOG=${quoteForDoubleQuotes(WATCHDOG)}
sweep_old "$R"
if [ "$K" != command ]; then
  P="$HOME/.local/bin/picoclaw"; [ -x "$P" ] || P=$(command -v picoclaw 2>/dev/null)
  if [ -z "$P" ] || [ ! -x "$P" ]; then printf '\\036pcf missing\\n'; exit 127; fi
fi
umask 077; mkdir -p "$D" || exit 1
exec 2>>"$D/runner.err"
msg=$(head -c "$N"; printf x); msg=\${msg%x}
printf '%s' "$msg" > "$D/message"; printf '%s\\n' "$META" > "$D/meta.json"
set -- agent -m "$msg"
[ -n "$S" ] && set -- "$@" --session "$S"
[ -n "$M" ] && set -- "$@" --model "$M"
cd "$HOME" || exit 1
if [ "$K" = command ]; then ${TASK_MARKER}=$ID setsid sh -c "$msg" >"$D/out" 2>"$D/err" </dev/null &
else ${TASK_MARKER}=$ID PICOCLAW_LOG_FILE="$D/log" NO_COLOR=1 setsid "$P" "$@" >"$D/out" 2>"$D/err" </dev/null &
fi
C=$!; echo "$C" > "$D/pid"; printf '\\036pcf started\\n'
setsid sh -c "$WATCHDOG" wd "$T" "$D" "$C" "$LIMIT" "$ID" >/dev/null 2>&1 </dev/null &
W=$!
wait "$C"; code=$?
# The watchdog's group, and its pid too: a fast task can end before the watchdog's setsid ran.
kill -TERM -"$W" 2>/dev/null; kill -TERM "$W" 2>/dev/null; killtree KILL "$C" "$ID"
# A one-shot session's files (PicoClaw names them after the key, ':' as '_') go with the task.
[ -n "$SF" ] && rm -f "$HOME/.picoclaw/workspace/sessions/$SF.jsonl" "$HOME/.picoclaw/workspace/sessions/$SF.meta.json"
# A directory removed under the task (teardown --purge, or by hand) took its output with it: say so.
[ -d "$D" ] || { printf '\\036pcf gone\\n'; exit 0; }
echo "$code" > "$D/exit"
emit "$D" "$CAP"
IFS= read -r ack || ack=
[ "$ack" = ok ] && rm -rf "$D" && printf '\\036pcf cleaned\\n'
exit 0
`;

/** A script run as `sh -c BODY pcf ARGS…`: every argument is data in "$@". */
export function script(body: string, args: string[]): string {
  return `sh -c ${quote(body)} pcf ${commandLine(args)}`;
}

export interface RunArgs {
  taskId: string;
  timeoutS: number;
  capBytes: number;
  /** PicoClaw's --session key. */
  session?: string | undefined;
  /** The file stem of a one-shot session, removed from the host once the task ended. */
  sessionFileToRemove?: string | undefined;
  model?: string | undefined;
  meta: object;
  /** Seconds a finished task directory is kept when it was not cleaned at collection; 0: none. */
  retentionS: number;
  /** Bytes a task may write to stdout or stderr on the host before it is killed. */
  maxOutputBytes: number;
  /** The message's length in bytes (UTF-8): the runner reads exactly that much of stdin. */
  messageBytes: number;
  /** `agent` (default): the message goes to `picoclaw agent -m`; `command`: it is shell code for the host's sh. */
  kind?: TaskKind | undefined;
}

/** What a task runs: a PicoClaw agent prompt, or a shell command (run_command). */
export type TaskKind = "agent" | "command";

/**
 * The command that runs a task. Its stdin: the message (`messageBytes` long), then, once the whole
 * result was read, RUNNER_ACK to have the task directory removed, or nothing to keep it.
 */
export function runCommand(a: RunArgs): string {
  return script(RUNNER, runnerArgs(a));
}

/** The runner's positional arguments (see RUNNER's first lines). */
export function runnerArgs(a: RunArgs): string[] {
  return [a.taskId, String(a.timeoutS), String(a.capBytes), a.session ?? "", a.model ?? "", JSON.stringify(a.meta), String(a.retentionS), String(a.maxOutputBytes), String(a.messageBytes), a.sessionFileToRemove ?? "", a.kind ?? "agent"];
}

/** What the runner prints once the task runs on its host: from then on the orchestrator may go away. */
export const STARTED = "\u001epcf started\n";
/** What the runner prints last: its result is complete. */
export const FRAME_END = "\u001epcf end\n";
/** The orchestrator's word to the runner that it holds the whole result. */
export const RUNNER_ACK = "ok\n";
/** What the runner prints once it removed the task directory after RUNNER_ACK. */
export const CLEANED = "\u001epcf cleaned\n";
