import type { CommandFanoutResult, CommandSample, CommandWidth } from "./command-fanout.js";
import { COMMAND } from "./command-fanout.js";
import { checksNote, loadNote, med, ms, ratio, spread, table, verdict } from "./format.js";
import { median } from "./helpers.js";
import type { Section } from "./report.js";

/** The heading the run_command section starts with (BENCH_ONLY=run replaces from it to the next heading). */
export const COMMAND_HEADING = "## run_command: a short command, no model (issue 13)";

/** Issue 13's targets: warm run_command against the remote work alone and against parallel-ssh. */
const MAX_TO_BARE = 1.5;
const MAX_TO_PSSH = 0.15;

const wall = (xs: CommandSample[]) => median(xs.map((x) => x.ms));
const walls = (xs: CommandSample[]) => xs.map((x) => x.ms);
const perHost = (xs: CommandSample[], n: number, key: "machineCpuMs" | "serverCpuMs") => ms(median(xs.map((x) => x[key] ?? 0)) / n);

function targets(w: CommandWidth): Section["targets"] {
  const [server, bare, pssh] = [wall(w.server), wall(w.bare), wall(w.pssh)];
  return [
    { goal: `Warm run_command to ${w.n} hosts: at most ${MAX_TO_BARE} of the remote work alone`, measured: `${ratio(server / bare)} (${ms(server)} vs ${ms(bare)})`, met: server / bare <= MAX_TO_BARE },
    { goal: `Warm run_command to ${w.n} hosts: at most ${MAX_TO_PSSH} of parallel-ssh`, measured: `${ratio(server / pssh)} (${ms(server)} vs ${ms(pssh)})`, met: server / pssh <= MAX_TO_PSSH },
  ];
}

/** What the breakdown says about the targets, and what would move them, from this run's figures. */
function bounds(r: CommandFanoutResult): string {
  const piece = (i: number) => r.pieces[i]?.ms ?? NaN;
  const w = r.widths[0]!;
  const cpu = (xs: CommandSample[]) => median(xs.map((x) => x.machineCpuMs)) / w.n;
  const [bareCpu, serverCpu, psshCpu] = [cpu(w.bare), cpu(w.server), cpu(w.pssh)];
  const saved = piece(5) + piece(6);
  const after = serverCpu - saved;
  return `At N=${w.n} the remote work alone costs the machine ${ms(bareCpu)} of CPU a host (sshd's session, the login shell, \`uname\`, ssh2),
run_command ${ms(serverCpu)}, parallel-ssh ${ms(psshCpu)}: the wall times follow the CPU. The runner costs
${(r.runnerMs - piece(1)).toFixed(1)} ms a task above the command itself, ${ratio((r.runnerMs - piece(1)) / bareCpu)} times the whole bare exec; ${MAX_TO_BARE}x the remote
work leaves ${ms(bareCpu * (MAX_TO_BARE - 1))} a host for the runner, the server and the frame together, less than two
short processes. No trimming of single pieces gets there while each task keeps its directory, its
watchdog, framed output and the sweep.

What would move run_command (proposals, not made; estimates from the figures above, CPU-bound as here):

- **One watchdog per host, not per task**: a resident \`setsid\` loop started by the first task (a
  \`mkdir\` lock), checking every running task directory's deadline and output size once a second and
  quitting when none is left; the runner only writes its deadline. Saves the per-task watchdog,
  ${piece(5).toFixed(1)} ms a task, and keeps the timeout on the host with the orchestrator gone.
- **The leftover sweep in that watchdog**: the runner kills the task's group with the \`kill\` builtin
  and emits at once; the \`/proc/*/environ\` sweep for processes that left the group runs in the host's
  watchdog, one \`grep\` per second for all tasks that ended in it. Saves ${piece(6).toFixed(1)} ms a task (more on a
  busy host: it reads every process's environ); \`task_status\` could say \`done\` up to a second before
  an escaped process is gone.
- Both: about ${ms(after)} a host, ${ratio(after / bareCpu)} of the remote work and ${ratio(after / psshCpu)} of parallel-ssh at N=${w.n}.
- **A resident shell per connection** for launches (one long-lived channel whose \`sh\` forks each
  runner): saves sshd's session per task (its fork, the login shell, \`exec sh\`), which is most of the
  remote work alone's own ${ms(bareCpu)}; only with it can a runner with a directory and a frame come near
  ${MAX_TO_BARE}x of a bare exec that pays that session itself.`;
}

/** The run_command fan-out against the bare command over open connections and parallel-ssh, with what bounds it. */
export function commandSection(r: CommandFanoutResult): Section {
  const all = r.widths.flatMap(targets);
  const rows = r.widths.map((w) => {
    const [server, bare, pssh] = [wall(w.server), wall(w.bare), wall(w.pssh)];
    return [String(w.n), `${med(walls(w.server))} (${spread(walls(w.server))})`, `${med(walls(w.bare))} (${spread(walls(w.bare))})`, `${med(walls(w.pssh))} (${spread(walls(w.pssh))})`, ratio(server / bare), ratio(server / pssh), ratio(bare / pssh)];
  });
  const cpuRows = r.widths.map((w) => [String(w.n), perHost(w.server, w.n, "machineCpuMs"), perHost(w.bare, w.n, "machineCpuMs"), perHost(w.pssh, w.n, "machineCpuMs"), perHost(w.server, w.n, "serverCpuMs")]);
  const load = r.load1.map((l) => l.toFixed(1)).join(", ");
  const quiet = loadNote(r.busyBefore, r.busyAfter, `when measuring began: ${r.loadStart.toFixed(2)}, at the end of each run: ${load}`, "rotating");
  const checks = checksNote(r.failures, "Correctness, every side of every run: each host answered, its output exactly the machine's `uname -m` (each `run_command` row `succeeded`).");
  const w50 = r.widths[0]!;
  const [s50, b50] = [wall(w50.server), wall(w50.bare)];
  const text = `${COMMAND_HEADING}

Measured on ${r.date.slice(0, 16).replace("T", " ")} UTC in ${(r.totalS / 60).toFixed(1)} minutes, median of ${r.widths[0]!.server.length} runs (min-max in brackets). ${quiet}

${Math.max(...r.widths.map((w) => w.n))} lab hosts (16 per sshd), no PicoClaw. The remote work is \`${COMMAND}\`. Each run, every side in turn
(the order rotating from run to run), ${r.widths.map((w) => w.n).join(" and ")} hosts, 32 at a time on every side:

- **run_command, warm**: the built server as mcp.json starts it, over stdio, one \`run_command\` call per
  side and run; a first call to every host opened the connections before any clock started. Each host
  runs the task runner (\`src/tasks/remote-scripts.ts\`, kind \`command\`): a task directory, the command
  in a process group of its own with a watchdog, the exit code and framed output, the clean-up of
  everything the task started, the directory removed once the server acknowledged the result.
- **Remote work alone**: one ssh2 exec of the bare \`${COMMAND}\` per host, on connections opened beforehand
  by this bench with the server's own connect code (same ssh2, same algorithms, same host-key check):
  what any tool on open connections pays for the command and nothing else.
- **parallel-ssh -p 32**: Debian's pssh running the command (one \`ssh\` process and a whole connection per host).

${table(["N", "run_command, warm", "remote work alone (ssh2 exec, open connections)", "parallel-ssh -p 32", "run_command / remote work", "run_command / pssh", "remote work / pssh"], rows)}

${table(["target", "measured", ""], all.map((t) => [t.goal, t.measured, verdict(t.met)]))}

${checks}

Machine CPU per host (every process on the machine while the side ran) and the server process's own:

${table(["N", "run_command", "remote work alone", "parallel-ssh", "server process, run_command"], cpuRows)}

What bounds these figures: every "host" shares this machine's ${r.cores} cores, so a wall time is about the
CPU of everything involved divided by ${r.cores}. The remote work alone is sshd's session for the channel
(its fork, the login shell that execs \`uname\`) and ssh2's half; run_command pays that too, plus the
runner's processes on the host, which are the difference: at N=${w50.n}, ${ms(s50 - b50)} above the remote work.

Where run_command's time goes: each piece of the runner, run 100 times in a row on a lab host's account
(no SSH, the lab up, so /proc is as full as in the fan-outs), CPU per task with the bare shell's share
taken off; and the whole runner for a \`${COMMAND}\` task, its acknowledgement included:

${table(["piece", "CPU per task"], [...r.pieces.map((p) => [p.piece, `${p.ms.toFixed(1)} ms`]), ["**the whole runner**", `**${r.runnerMs.toFixed(1)} ms**`]])}

${bounds(r)}
`;
  return { text, targets: all };
}
