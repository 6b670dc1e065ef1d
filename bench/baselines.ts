import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LabHost } from "../test/lab/sshd-lab.js";
import { runTimed } from "./helpers.js";
import { REMOTE_BIN, type BenchLab } from "./setup.js";

/** What a baseline run took, and how many hosts answered with the expected reply. */
export interface BaselineRun {
  ms: number;
  ok: number;
}

/** The remote command line the baselines send: PicoClaw's agent with one (plain-word) message. */
function remoteCommand(task: string): string {
  if (!/^[\w .-]+$/.test(task)) throw new Error(`bench tasks are plain words, got ${JSON.stringify(task)}`);
  return `${REMOTE_BIN} agent -m '${task}'`;
}

function countReplies(dir: string, task: string): number {
  const reply = `\u{1F99E} ${task}\n`;
  return readdirSync(dir).filter((f) => readFileSync(join(dir, f), "utf8").endsWith(reply)).length;
}

/**
 * The skill's pattern: a bash loop that starts one background `ssh` per host, then `wait`.
 * Timed from spawning bash to its exit (every ssh done).
 */
const SKILL_LOOP = `
out=$1; shift; hosts=$1; shift; cmd=$1; shift
i=0
while read -r user host port; do
  ssh "$@" -p "$port" "$user@$host" "$cmd" > "$out/$i" 2>&1 &
  i=$((i + 1))
done < "$hosts"
wait
`;

/** Fans `task` out to the first `n` hosts the way the skill does (one background ssh each). */
export async function skillFanout(bl: BenchLab, n: number, task: string): Promise<BaselineRun> {
  const dir = mkdtempSync(join(bl.lab.dir, "skill-"));
  const hostsFile = join(dir, "hosts");
  writeFileSync(hostsFile, bl.hosts.slice(0, n).map((h) => `${h.user} ${h.host} ${h.port}\n`).join(""));
  const out = join(dir, "out");
  await runTimed("mkdir", [out]);
  const res = await runTimed("bash", ["-c", SKILL_LOOP, "skill", out, hostsFile, remoteCommand(task), ...bl.sshOptions]);
  const ok = countReplies(out, task);
  rmSync(dir, { recursive: true, force: true });
  return { ms: res.ms, ok };
}

/** Fans `task` out to the first `n` hosts with Debian's parallel-ssh, 32 at a time. */
export async function psshFanout(bl: BenchLab, n: number, task: string): Promise<BaselineRun> {
  const dir = mkdtempSync(join(bl.lab.dir, "pssh-"));
  const args = ["-p", "32", "-t", "120", "-h", bl.psshHosts(n), "-o", dir, ...bl.sshOptions.flatMap((o) => ["-X", o]), remoteCommand(task)];
  const res = await runTimed("parallel-ssh", args);
  const ok = countReplies(dir, task);
  rmSync(dir, { recursive: true, force: true });
  return { ms: res.ms, ok };
}

/** One `ssh` process running the task on one host, as a script calling ssh per dispatch does. */
export async function sshOnce(bl: BenchLab, host: LabHost, task: string): Promise<BaselineRun> {
  const res = await runTimed("ssh", [...bl.sshOptions, "-p", String(host.port), `${host.user}@${host.host}`, remoteCommand(task)]);
  return { ms: res.ms, ok: res.code === 0 && res.stdout.endsWith(`\u{1F99E} ${task}\n`) ? 1 : 0 };
}
