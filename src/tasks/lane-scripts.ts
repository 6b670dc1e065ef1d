import { quote } from "../fleet/shell.js";
import { KILLTREE, SWEEP_OLD, TASK_MARKER, TASKS_DIR, WATCHDOG_FN } from "./remote-scripts.js";

/** Acknowledged task directories the lane removes with one `rm` (the rest at the end of its input). */
const LANE_BATCH = 32;

/**
 * The command lane's shell: one `sh` per connection that reads its script from stdin for as long as
 * the lane is open, and runs each shell command (run_command) it is handed in a process of its own,
 * so that a short command costs the host a fork or two and the command, not a whole SSH session and
 * a runner. What the orchestrator writes, one line each (every argument quoted by `laneLine`):
 *
 *   r ID TIMEOUT_S BYTE_LIMIT META COMMAND   run a command in its directory (made over SFTP, sent with
 *                                            this order; made here if this comes first)
 *   w ID SECONDS_LEFT BYTE_LIMIT             arm the task's watchdog (the orchestrator does so once
 *                                            the task has run ARM_MS without ending)
 *   a ID                                     its result is held: remove its directory (in batches)
 *
 * What it prints, one line per event (short lines written whole, so tasks ending together never mix):
 *
 *   \036pcl ID started PID
 *   \036pcl ID done EXIT OUT ERR TIMED_OUT OUTPUT_LIMIT CANCELLED    (OUT, ERR: 1 when non-empty)
 *   \036pcl ID gone                                                  (its directory removed under it)
 *   \036pcl ID no-dir                                                (its directory cannot be made)
 *
 * Each task keeps everything the runner gives it: its directory (pid, out, err, exit, message,
 * meta.json; the same files, so task_status, task_logs, task_kill and a restarted server read it
 * alike), its process group (setsid), its marker in the environment, and the host's watchdog for its
 * timeout and byte limit: the runner's, as a function in a forked subshell. A watchdog costs a
 * short command more than the command (a fork and a `sleep` to kill): it is armed only for a task
 * still running ARM_MS after its start, on the orchestrator's word, or at once for every task still
 * unwatched when this shell's input ends. When the command ends by itself its process group is
 * killed (its `&` jobs with it); the sweep of the whole host for the marker is for a timeout, a
 * kill or the byte limit, as the contract asks.
 *
 * The orchestrator going away (it exits or dies, the connection drops) ends this shell's input:
 * the tasks go on by themselves (sshd signals no session without a pty), each with its watchdog
 * armed then if it was not, and each records its exit before it tries to print (a dead channel
 * kills the printer, never the record). A link that hangs without closing leaves a task younger
 * than ARM_MS unwatched until sshd gives the connection up. Directories whose results were handed
 * over are removed in batches of LANE_BATCH and at the end of input.
 *
 * Security: the command and META arrive as single-quoted words (`quote`), so they are data to this
 * shell, the command's text being parsed only by the `sh -c` that runs it, as in the runner. Task
 * ids are made by the orchestrator (`t-`, lowercase letters, digits and a dash: task-id.ts), the only
 * names `rm` is ever given.
 * Argument: the retention in seconds of directories never acknowledged (0: none kept, no sweep).
 */
export const LANE = `${KILLTREE}
${SWEEP_OLD}
${WATCHDOG_FN}
umask 077
TD="$HOME/${TASKS_DIR}"; R=$1
mkdir -p "$TD" && cd "$TD" || exit 1
exec 2>/dev/null
sweep_old "$R"
P=; NP=0; RUN=; NR=0
a() { P="$P $1"; NP=$((NP + 1)); [ "$NP" -ge ${LANE_BATCH} ] && { rm -rf $P; P=; NP=0; }; }
w() { [ -f "$1/exit" ] || [ -f "$1/watched" ] || [ ! -f "$1/pid" ] && return; : > "$1/watched"; read -r C < "$1/pid"; ( watchdog "$2" "$TD/$1" "$C" "$3" "$1" now ) & }
r() {
  RUN="$RUN $1:$2:$3"; NR=$((NR + 1))
  if [ "$NR" -gt 64 ]; then k=; NR=0; for e in $RUN; do [ -f "\${e%%:*}/exit" ] || [ ! -d "\${e%%:*}" ] || { k="$k $e"; NR=$((NR + 1)); }; done; RUN=$k; fi
  (
    D="$TD/$1"
    [ -d "$D" ] || mkdir "$D" || [ -d "$D" ] || { printf '\\036pcl %s no-dir\\n' "$1"; exit 0; }
    printf '%s' "$5" > "$D/message"; printf '%s\\n' "$4" > "$D/meta.json"
    cd "$HOME" || exit 1
    ${TASK_MARKER}=$1 setsid sh -c "$5" >"$D/out" 2>"$D/err" </dev/null &
    C=$!; echo "$C" > "$D/pid"
    printf '\\036pcl %s started %s\\n' "$1" "$C"
    wait "$C"; code=$?
    if [ -f "$D/timed_out" ] || [ -f "$D/cancelled" ] || [ -f "$D/output_limit" ]; then killtree KILL "$C" "$1"; else kill -KILL -"$C" 2>/dev/null; fi
    [ -d "$D" ] || { printf '\\036pcl %s gone\\n' "$1"; exit 0; }
    echo "$code" > "$D/exit"
    o=0; [ -s "$D/out" ] && o=1; e=0; [ -s "$D/err" ] && e=1
    t=0; [ -f "$D/timed_out" ] && t=1; l=0; [ -f "$D/output_limit" ] && l=1; k=0; [ -f "$D/cancelled" ] && k=1
    printf '\\036pcl %s done %s %s %s %s %s %s\\n' "$1" "$code" "$o" "$e" "$t" "$l" "$k"
  ) &
}
bye() {
  [ "$NP" -gt 0 ] && rm -rf $P
  [ -n "$RUN" ] || return 0
  # A task handed over just now may not have written its pid yet.
  for e in $RUN; do [ -d "\${e%%:*}" ] && [ ! -f "\${e%%:*}/pid" ] && { sleep 0.5; break; }; done
  now=$(date +%s)
  for e in $RUN; do
    id=\${e%%:*}; rest=\${e#*:}; t=\${rest%%:*}; l=\${rest#*:}
    [ -f "$id/pid" ] && [ ! -f "$id/exit" ] && [ ! -f "$id/watched" ] || continue
    s0=$(stat -c %Y "$id/pid" 2>/dev/null || echo "$now"); left=$((t - (now - s0))); [ "$left" -gt 0 ] || left=1
    w "$id" "$left" "$l"
  done
}
trap bye EXIT
printf '\\036pcl - ready\\n'
`;

/** The command that starts a lane: `sh` reading the lane's script, then its orders, on stdin. */
export function laneCommand(retentionS: number): string {
  return `sh -s ${quote(String(retentionS))}`;
}

/** The order to run `command` as task `taskId` (its directory is made over SFTP beside it, or by the shell if it comes first). */
export function laneRun(taskId: string, timeoutS: number, byteLimit: number, meta: object, command: string): string {
  return `r ${quote(taskId)} ${quote(String(timeoutS))} ${quote(String(byteLimit))} ${quote(JSON.stringify(meta))} ${quote(command)}\n`;
}

/** The order to arm a running task's watchdog, `secondsLeft` before its timeout. */
export function laneArm(taskId: string, secondsLeft: number, byteLimit: number): string {
  return `w ${quote(taskId)} ${quote(String(secondsLeft))} ${quote(String(byteLimit))}\n`;
}

/** The order to remove a finished task's directory, its result being held. */
export function laneAck(taskId: string): string {
  return `a ${quote(taskId)}\n`;
}
