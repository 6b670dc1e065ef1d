import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FleetConfig } from "../src/config/schema.js";
import { RUNNER_ACK, runCommand } from "../src/tasks/remote-scripts.js";
import { newTaskId } from "../src/tasks/task-id.js";
import { runTimed } from "./helpers.js";
import type { BaselineRun } from "./baselines.js";
import type { BenchLab } from "./setup.js";
import type { LabHost } from "../test/lab/sshd-lab.js";

/**
 * Runs one job per line of work on this machine, as the host's user with its home, with no SSH at
 * all: the remote work alone. In the lab every "remote" host shares this machine's cores, so this
 * is the least time any SSH tool can take for the same work. `&` starts them all at once; an empty
 * separator runs them one after another.
 */
const localLoop = (separator: "&" | "") => `
dir=$1
for f in "$dir"/job-*.sh; do
  read -r uid < "\${f%.sh}.uid"
  setpriv --reuid="$uid" --regid="$uid" --init-groups bash "$f" < "\${f%.sh}.in" > "\${f%.sh}.out" 2>&1 ${separator}
done
wait
`;

function uidOf(user: string): string {
  return execFileSync("id", ["-u", user], { encoding: "utf8" }).trim();
}

const uids = new Map<string, string>();

/** One job: a command line for a host's account, and what it reads on stdin. */
interface Job {
  host: LabHost;
  command: string;
  stdin: string;
}

async function runLocally(bl: BenchLab, jobs: Job[], parallel: boolean, expected: string): Promise<BaselineRun> {
  const dir = mkdtempSync(join(bl.lab.dir, "floor-"));
  chmodSync(dir, 0o755); // the hosts' users read their job scripts from here
  for (const [i, { host, command, stdin }] of jobs.entries()) {
    if (!uids.has(host.user)) uids.set(host.user, uidOf(host.user));
    const name = `job-${String(i).padStart(4, "0")}`;
    // Security: home is a lab path and command is built by this bench from plain words.
    writeFileSync(join(dir, `${name}.sh`), `export HOME='${host.home}'; cd "$HOME" || exit 1\n${command}\n`);
    writeFileSync(join(dir, `${name}.in`), stdin);
    writeFileSync(join(dir, `${name}.uid`), `${uids.get(host.user)}\n`);
  }
  const res = await runTimed("bash", ["-c", localLoop(parallel ? "&" : ""), "floor", dir]);
  const outs = await runTimed("bash", ["-c", `cat "$1"/job-*.out`, "cat", dir]);
  rmSync(dir, { recursive: true, force: true });
  return { ms: res.ms, ok: outs.stdout.split(expected).length - 1 };
}

const bare = (task: string) => `"$HOME"/.local/bin/picoclaw agent -m '${task}'`;
const BARE_REPLY = (task: string) => `\u{1F99E} ${task}\n`;

/** The server's config for tasks: the scripts get the same caps and limits as the server gives them. */
export type TaskSettings = FleetConfig["tasks"];

/** The runner's command line and its stdin for `task`: the message, then the acknowledgement that has it clean up. */
function runnerJob(host: LabHost, task: string, tasks: TaskSettings): Job {
  const taskId = newTaskId();
  const command = runCommand({ taskId, timeoutS: 60, capBytes: tasks.output_cap_bytes, meta: { task_id: taskId }, retentionS: tasks.retention_s, maxOutputBytes: tasks.max_output_bytes, messageBytes: Buffer.byteLength(task) });
  return { host, command, stdin: `${task}${RUNNER_ACK}` };
}

/** The bare PicoClaw command of the baselines on `n` hosts' accounts at once, no SSH. */
export function bareWork(bl: BenchLab, n: number, task: string): Promise<BaselineRun> {
  return runLocally(bl, bl.hosts.slice(0, n).map((host) => ({ host, command: bare(task), stdin: "" })), true, BARE_REPLY(task));
}

/**
 * This server's own remote script for one task (the runner, its clean-up included) on `n` hosts'
 * accounts at once: what a warm fan-out costs the hosts, without SSH and without this server.
 */
export function runnerWork(bl: BenchLab, n: number, task: string, tasks: TaskSettings): Promise<BaselineRun> {
  return runLocally(bl, bl.hosts.slice(0, n).map((host) => runnerJob(host, task, tasks)), true, "\u001epcf end\n");
}

/** `calls` tasks one after another on one host's account, no SSH: bare, or wrapped in this server's scripts. */
export function sequentialWork(bl: BenchLab, host: LabHost, calls: number, wrapped: boolean, tasks: TaskSettings): Promise<BaselineRun> {
  const jobs = Array.from({ length: calls }, (_, i) => `seq-${i}`).map((task) =>
    wrapped ? runnerJob(host, task, tasks) : { host, command: bare(task), stdin: "" },
  );
  return runLocally(bl, jobs, false, wrapped ? "\u001epcf end\n" : "\u{1F99E} seq-");
}
