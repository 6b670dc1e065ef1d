import { execFileSync } from "node:child_process";
import { RUNNER, runnerArgs } from "../src/tasks/remote-scripts.js";
import type { LabHost } from "../test/lab/sshd-lab.js";
import { runTimed } from "./helpers.js";

/** What the runner does on a host for a command task, piece by piece, each as the shell line that does it. */
const PIECES: [string, string][] = [
  ["`sh -c` alone (subtracted from the rest)", ":"],
  ["the command itself: `uname -m`", "uname -m"],
  ["`mkdir -p` the task directory", 'mkdir -p "$D"'],
  ['read the message: `msg=$(head -c N; printf x)`', 'msg=$(printf "uname -m" | head -c 8; printf x)'],
  ["start the command: `setsid sh -c` around it (`uname -m` included)", 'setsid sh -c "uname -m"'],
  ["start the watchdog (`setsid sh -c`, its first `sleep 1`), kill it 5 ms later (that `sleep 0.005` included)", 'setsid sh -c "sleep 1" & W=$!; sleep 0.005; kill -TERM -"$W" "$W" 2>/dev/null; wait'],
  ["sweep for leftovers: `grep -ls PICOCLAW_FLEET_TASK=… /proc/[0-9]*/environ`", 'for e in $(grep -ls PICOCLAW_FLEET_TASK=t-none /proc/[0-9]*/environ 2>/dev/null); do :; done'],
  ["emit: one `stat` for the clock and the sizes", 'for l in $(cd "$D" && stat -c "%n:%s:%Y" out 2>/dev/null); do :; done'],
  ["emit: `base64` of stdout", 'base64 < "$D/out"'],
  ["`rm -rf` the task directory (after a `mkdir`, subtracted)", 'mkdir -p "$D/x" && rm -rf "$D/x"'],
];

/** Runs each line `runs` times under `sh -c` and prints its children's CPU per run in microseconds (cutime + cstime). */
const LOOP = `
D=$HOME/.bench-pieces; mkdir -p "$D"; uname -m > "$D/out"
cpu() { read -r l < /proc/$$/stat; set -- \${l##*) }; echo $(( (\${14} + \${15}) * 10000 )); }
n=$1; shift
for line in "$@"; do
  a=$(cpu); i=0; while [ $i -lt "$n" ]; do D=$D sh -c "$line" >/dev/null 2>&1 </dev/null; i=$((i + 1)); done; b=$(cpu)
  echo $(( (b - a) / n ))
done
rm -rf "$D"
`;

/** The whole runner for a command task of `uname -m`, its acknowledgement included, `runs` times. */
const WHOLE = `n=$1; shift; R=$1; shift
cpu() { read -r l < /proc/$$/stat; set -- \${l##*) }; echo $(( (\${14} + \${15}) * 10000 )); }
a=$(cpu); i=0; while [ $i -lt "$n" ]; do printf 'uname -mok\\n' | sh -c "$R" pcf "t-piece-$i" "$@" >/dev/null; i=$((i + 1)); done; b=$(cpu)
echo $(( (b - a) / n ))`;

/** CPU per run of one piece, in ms, the bare shell's share taken off. */
export interface PieceCost {
  piece: string;
  ms: number;
}

/**
 * What each of the runner's pieces costs in CPU on a lab host's account (no SSH, one after another,
 * while the lab's sshds are up so /proc is as full as during the fan-outs), and the whole runner.
 */
export async function runnerPieces(host: LabHost, runs: number): Promise<{ pieces: PieceCost[]; wholeMs: number }> {
  const uid = execFileSync("id", ["-u", host.user], { encoding: "utf8" }).trim();
  const as = ["--reuid", uid, "--regid", uid, "--init-groups", "env", `HOME=${host.home}`];
  const res = await runTimed("setpriv", [...as, "sh", "-c", LOOP, "pieces", String(runs), ...PIECES.map(([, line]) => line)]);
  const us = res.stdout.trim().split("\n").map(Number);
  if (us.length !== PIECES.length || us.some((x) => !Number.isFinite(x))) throw new Error(`runner pieces: ${res.stderr || res.stdout}`);
  const shell = us[0]! / 1000;
  const mkdir = us[2]! / 1000 - shell;
  const pieces = PIECES.map(([piece], i) => ({ piece, ms: us[i]! / 1000 - (i === 0 ? 0 : shell) - (i === PIECES.length - 1 ? mkdir : 0) }));
  const args = runnerArgs({ taskId: "x", timeoutS: 60, capBytes: 1 << 20, meta: {}, retentionS: 0, maxOutputBytes: 64 << 20, messageBytes: 8, kind: "command" }).slice(1);
  const whole = await runTimed("setpriv", [...as, "sh", "-c", WHOLE, "whole", String(runs), RUNNER, ...args]);
  return { pieces, wholeMs: Number(whole.stdout.trim()) / 1000 };
}
