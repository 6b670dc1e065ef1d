import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, chownSync } from "node:fs";
import { join } from "node:path";
import { LANE, laneAck, laneRun } from "../src/tasks/lane-scripts.js";
import { RUNNER, runnerArgs } from "../src/tasks/remote-scripts.js";
import type { LabHost } from "../test/lab/sshd-lab.js";
import { runTimed } from "./helpers.js";

/** The children's CPU of the shell that asks (cutime + cstime), in microseconds. */
const CPU = `cpu() { read -r l < /proc/$$/stat; set -- \${l##*) }; echo $(( (\${14} + \${15}) * 10000 )); }`;

/** `sh -c 'uname -m'`, what sshd's session runs for the bare exec, `runs` times. */
const BARE = `n=$1; ${CPU}
a=$(cpu); i=0; while [ $i -lt "$n" ]; do sh -c 'uname -m' >/dev/null; i=$((i + 1)); done; b=$(cpu)
echo $(( (b - a) / n ))`;

/** The whole runner for a command task of `uname -m`, its acknowledgement included, `runs` times. */
const WHOLE = `n=$1; shift; R=$1; shift; ${CPU}
a=$(cpu); i=0; while [ $i -lt "$n" ]; do printf 'uname -mok\\n' | sh -c "$R" pcf "t-piece-$i" "$@" >/dev/null; i=$((i + 1)); done; b=$(cpu)
echo $(( (b - a) / n ))`;

/** One lane shell given `runs` tasks (their directories made beforehand, as SFTP makes them) and their acknowledgements. */
const LANE_WHOLE = `n=$1; f=$2; ${CPU}
a=$(cpu); sh -s 0 < "$f" >/dev/null; b=$(cpu)
echo $(( (b - a) / n ))`;

/** CPU per task on a lab host's account, in ms. */
export interface HostCosts {
  /** `sh -c 'uname -m'`: the part of the bare exec that runs as the user. */
  bareMs: number;
  /** The runner (agent tasks; commands where no lane opens). */
  runnerMs: number;
  /** The command lane (run_command), per task. */
  laneMs: number;
}

/**
 * What a `uname -m` task costs on a host in CPU, run as a lab host's user with no SSH (while the
 * lab's sshds are up, so /proc is as full as during the fan-outs): the bare command as sshd's
 * session runs it, the runner, and the command lane (its tasks at once, as in a fan-out).
 */
export async function hostCosts(host: LabHost, runs: number): Promise<HostCosts> {
  const uid = Number(execFileSync("id", ["-u", host.user], { encoding: "utf8" }));
  const as = ["--reuid", String(uid), "--regid", String(uid), "--init-groups", "env", `HOME=${host.home}`];
  const micros = async (script: string, args: string[]) => {
    const res = await runTimed("setpriv", [...as, "sh", "-c", script, "cost", ...args]);
    const us = Number(res.stdout.trim());
    if (!Number.isFinite(us) || res.stdout.trim() === "") throw new Error(`host costs: ${res.stderr || res.stdout}`);
    return us / 1000;
  };
  const bareMs = await micros(BARE, [String(runs)]);
  const args = runnerArgs({ taskId: "x", timeoutS: 60, capBytes: 1 << 20, meta: {}, retentionS: 0, maxOutputBytes: 64 << 20, messageBytes: 8, kind: "command" }).slice(1);
  const runnerMs = await micros(WHOLE, [String(runs), RUNNER, ...args]);
  const tasks = join(host.home, ".picoclaw-fleet", "tasks");
  const ids = Array.from({ length: runs }, (_, i) => `t-bench000-${String(i).padStart(8, "0")}`);
  const input = join(host.home, ".bench-lane");
  for (const dir of [join(host.home, ".picoclaw-fleet"), tasks, ...ids.map((id) => join(tasks, id))]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, uid, uid);
  }
  writeFileSync(input, LANE + ids.map((id) => laneRun(id, 60, 64 << 20, {}, "uname -m")).join("") + "wait\n" + ids.map(laneAck).join(""));
  try {
    return { bareMs, runnerMs, laneMs: await micros(LANE_WHOLE, [String(runs), input]) };
  } finally {
    rmSync(input, { force: true });
  }
}
