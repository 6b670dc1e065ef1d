import type { CommandFanoutResult, CommandSample, CommandWidth } from "./command-fanout.js";
import { COMMAND, COST_RUNS } from "./command-fanout.js";
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

/** The lowest and highest ratio of run_command to the remote work alone over the runs, each run against its own. */
function runRatios(w: CommandWidth): string {
  const ratios = w.server.map((x, i) => x.ms / w.bare[i]!.ms).sort((a, b) => a - b);
  return `${ratio(ratios[0]!)}-${ratio(ratios.at(-1)!)}`;
}

function targets(w: CommandWidth): Section["targets"] {
  const [server, bare, pssh] = [wall(w.server), wall(w.bare), wall(w.pssh)];
  return [
    { goal: `Warm run_command to ${w.n} hosts: at most ${MAX_TO_BARE} of the remote work alone`, measured: `${ratio(server / bare)} (${ms(server)} vs ${ms(bare)})`, met: server / bare <= MAX_TO_BARE },
    { goal: `Warm run_command to ${w.n} hosts: at most ${MAX_TO_PSSH} of parallel-ssh`, measured: `${ratio(server / pssh)} (${ms(server)} vs ${ms(pssh)})`, met: server / pssh <= MAX_TO_PSSH },
  ];
}

/** What the breakdown says about the targets, and what bounds them, from this run's figures. */
function bounds(r: CommandFanoutResult): string {
  const w = r.widths[0]!;
  const cpu = (xs: CommandSample[]) => median(xs.map((x) => x.machineCpuMs)) / w.n;
  const own = (xs: CommandSample[]) => median(xs.map((x) => x.serverCpuMs ?? 0)) / w.n;
  const [bareCpu, serverCpu, psshCpu, serverOwn] = [cpu(w.bare), cpu(w.server), cpu(w.pssh), own(w.server)];
  const c = r.costs;
  return `At N=${w.n} the remote work alone costs the machine ${ms(bareCpu)} of CPU a host (sshd's session, the login shell, \`uname\`, ssh2),
run_command ${ms(serverCpu)} (the server process's own share ${ms(serverOwn)}), parallel-ssh ${ms(psshCpu)}: the wall times follow the CPU.

On the host, per \`${COMMAND}\` task, run ${COST_RUNS} times on a lab host's account with no SSH (CPU of every process involved):

${table(["way", "CPU per task"], [
    ["`sh -c 'uname -m'`: what sshd's session runs for the bare exec", `${c.bareMs.toFixed(1)} ms`],
    ["the runner (one SSH session per task: agent tasks, and commands on a host where no lane opens)", `${c.runnerMs.toFixed(1)} ms`],
    ["the command lane (run_command): the shell's fork for the task, `setsid sh -c` around the command, the exit and the frame line", `${c.laneMs.toFixed(1)} ms`],
  ])}

What bounds run_command now: the lane costs the host ${ratio(c.laneMs / c.bareMs)} of the bare command's own processes
(one more fork, and \`setsid\`, which gives the command the process group a timeout kills), and saves
sshd's session per task, which the bare exec pays. Above that come the packets: a lane task is an SFTP
\`mkdir\` sent together with the order to the shell, a "started" and a "done" line back, an SFTP open
and read of its stdout, and the handle's close sent together with the acknowledgement; each packet
wakes sshd, and sftp-server or the shell, on a machine where those compete for the same
${r.cores} cores. The server's own share (the MCP call, the journal, the result) is the rest.
The watchdog, a fork and a \`sleep\` that would cost more than \`uname\` itself, is armed only for a
command still running a second after its start (or when the orchestrator goes away), so a short
command does not pay it; the runner pays it for every task, with the sweep of /proc for the task's
marker at its end, which the lane keeps for timeouts, kills and the byte limit.`;
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
  side and run; a first call to every host opened the connections (and each host's command lane) before
  any clock started. Each host runs the command on its command lane (\`src/tasks/command-lane.ts\`,
  \`lane-scripts.ts\`): a task directory, the command in a process group of its own, its pid, exit
  code and output in the directory, the output read over SFTP, the group killed at the command's end,
  the directory removed (32 at a time, by one \`rm\`) once the server acknowledged the result.
- **Remote work alone**: one ssh2 exec of the bare \`${COMMAND}\` per host, on connections opened beforehand
  by this bench with the server's own connect code (same ssh2, same algorithms, same host-key check):
  what any tool on open connections pays for the command and nothing else.
- **parallel-ssh -p 32**: Debian's pssh running the command (one \`ssh\` process and a whole connection per host).

${table(["N", "run_command, warm", "remote work alone (ssh2 exec, open connections)", "parallel-ssh -p 32", "run_command / remote work", "run_command / pssh", "remote work / pssh"], rows)}

${table(["target", "measured", ""], all.map((t) => [t.goal, t.measured, verdict(t.met)]))}

Run by run (each run against its own remote work, measured seconds apart), run_command / remote work: ${r.widths.map((w) => `${runRatios(w)} at N=${w.n}`).join("; ")}. The medians above are the figures; a single run on this shared machine can land above the target.

${checks}

Machine CPU per host (every process on the machine while the side ran) and the server process's own:

${table(["N", "run_command", "remote work alone", "parallel-ssh", "server process, run_command"], cpuRows)}

What bounds these figures: every "host" shares this machine's ${r.cores} cores, so a wall time is about the
CPU of everything involved divided by ${r.cores}: at N=${w50.n}, run_command took ${ms(s50 - b50)} more than the remote work alone.

${bounds(r)}
`;
  return { text, targets: all };
}
