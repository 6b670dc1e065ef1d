import type { CrushPace } from "./crush.js";
import type { CommandFanoutResult } from "./command-fanout.js";
import type { DeployRealResult } from "./deploy-real.js";
import type { DispatchResult } from "./dispatch.js";
import type { FanoutResult } from "./fanout.js";
import type { FleetResult } from "./fleet200.js";
import { IDLE_BUSY, table, verdict } from "./format.js";
import { median } from "./helpers.js";
import type { MachineFacts } from "./machine.js";
import { commandSection } from "./report-command.js";
import { deploySection } from "./report-deploy.js";
import { dispatchSection, fanoutSection } from "./report-fanout.js";
import { crushSection, fleetSection, startupSection } from "./report-fleet.js";
import type { StartupResult } from "./startup.js";

/** Everything one bench run measured (also what BENCH_JSON holds). */
export interface Results {
  date: string;
  /** Share of all cores busy in the 3 s before the lab started, and in the 3 s after it stopped. */
  busyBefore: number;
  busyAfter: number;
  totalS: number;
  loadBefore: number[];
  loadAfter: number[];
  runs: number;
  machine: MachineFacts;
  startup: StartupResult;
  crush: CrushPace[];
  dispatch: DispatchResult;
  fanout: FanoutResult[];
  fleet: FleetResult;
  /** The real-size deploy (absent from runs made before it was measured). */
  deploy?: DeployRealResult;
  /** The run_command fan-out (absent from runs made before it was measured). */
  command?: CommandFanoutResult;
  failures: string[];
}

/** One issue-7 target and how this run did against it. */
export interface Target {
  goal: string;
  measured: string;
  met: boolean;
}

/** A part of BENCHMARKS.md and the targets it decides. */
export interface Section {
  text: string;
  targets: Target[];
}

const REPRODUCE = `## How to reproduce

As root on Debian 12 (the lab creates Unix users and runs sshd processes), with Node.js 20+ and
\`apt-get install openssh-server openssh-client pssh procps\` (\`.ci/run\` installs them):

\`\`\`sh
npm ci
npm run bench        # builds, then: node --import tsx bench/run.ts; rewrites BENCHMARKS.md
\`\`\`

It starts 200 lab hosts (one Unix user, home and loopback address each, 16 per real sshd), a local
GitHub-shaped release server, and deploys the stand-in PicoClaw to every host with the real deploy
operation; then runs each comparison, every side in turn within each run. The real-size deploy then
starts a lab of its own (20 hosts, the real PicoClaw from the lab's build cache: \`.ci/build-picoclaw\`
builds it once per machine) and runs at most 3 times. Knobs for development:
\`BENCH_RUNS\` (default 5), \`BENCH_HOSTS\` (default 200), \`BENCH_JSON=file\` (also write the raw runs),
\`BENCH_FROM=file\` (re-render this file from them), \`BENCH_ONLY=deploy\` (only the real-size deploy,
its section replaced in this file, the rest kept as it is), \`BENCH_ONLY=run\` (likewise, only the
run_command fan-out on a lab of its own, 50 and 200 hosts). The bench is not part of \`npm test\`: tests assert
behaviour, this file reports time. Run it on an otherwise idle machine: other load slows every side,
but not equally (process-heavy sides suffer most).`;

const MOVES = `## What these figures changed, and what would move them further

Changed because of the first runs of this bench (\`src/fleet/ssh-connect.ts\`):

- **Nagle off on the SSH socket** (\`setNoDelay\`). A command on an open connection took 45 ms even
  for \`true\`: the last small packet of a channel request waited for sshd's delayed ACK. Now 2-3 ms.
  In development runs on this machine, a warm \`dispatch_task\` went from about 130 ms to about
  50 ms, and 20 sequential dispatches from 0.42 of one ssh per call to the figure above.
- **ssh2 is loaded on the first connection**, not at start-up (about 30 ms of module loading).

Changed because of the figures of the previous landing (issue 7 was left open at warm fan-out 0.41
and start-up 4.23):

- **The clean-up rides on the task's own channel** (\`src/tasks/remote-scripts.ts\`,
  \`src/tasks/frame-ack.ts\`). It was a second command per task (a new sshd session, a shell, \`rm\`)
  after the result arrived. Now the message travels with its byte length, the runner's stdin stays
  open, and the server answers \`ok\` once the frame's end went by; only then does the host remove the
  directory (a dropped connection gives end of input and keeps it for \`task_status\`). The runner
  also reads its clock and sizes with one \`stat\` instead of two \`date\`, a \`wc\` and a \`mv\`, and the
  message with one \`head\` instead of two \`cat\`. Measured in development runs at N=50 with the new
  stand-in below (3 runs each, same lab): warm fan-out 543 ms -> 397 ms (0.25 -> 0.18 of
  parallel-ssh), cold 0.46 -> 0.40, machine CPU per host warm 21 ms -> 15 ms.
- **The stand-in PicoClaw costs what a Go binary costs** (\`test/lab/picoclaw-standin\`). Its
  \`agent\` path started \`python3\` for the key check and about ten short processes: 21 ms of CPU per
  call, where a Go binary (Debian's fzf, measured here) starts in about 2 ms. It is the remote work of
  every side, so it had inflated the hosts' share of every figure, most of all warm fan-out's. The key
  check is now one \`awk\` program, proven to print what the python one printed over 31,839 configs;
  \`agent -m\` costs 3.6 ms of CPU, \`version\` 1.2 ms. With the old runner this alone took warm
  fan-out at N=50 from 0.41 to 0.25 of parallel-ssh.
- **Start-up from a V8 snapshot** (below).

What remains:

- **The runner script** still starts a few short processes around PicoClaw (\`mkdir\`, \`head\`,
  \`setsid\` twice for the task and its watchdog, the watchdog's first \`sleep\`, \`stat\`, \`base64\`,
  \`rm\`), and sshd starts the login shell and \`sh\` for each channel. The watchdog and the task
  directory stay: they are what makes a timeout kill on the host and a task survive a dropped
  connection.
- **Start-up**: the MCP SDK's modules alone exceed twice a bare node start (83 ms to import
  \`server/mcp.js\` against a 40-46 ms bare start, measured by hand on a quiet machine), so mcp.json
  runs a start-up snapshot: \`npm run build\` bundles the server with esbuild and has
  \`node --build-snapshot\` save the heap with every module loaded, after registering the tools once on
  the template config so that code is compiled in the blob (about 4 ms off each start). Earlier
  experiments stayed above 2x: the esbuild bundle alone (about 2.6x), and the bundle through a V8 code
  cache (about 2.1x). What a snapshot start still spends, measured by hand: deserializing the 10 MB
  heap, about 17 ms above a bare start (an empty user snapshot costs nothing above it), then about
  10 ms to read the config, build the logger and the fleet, register the tools and answer. Less heap
  means loading less: the SDK's server brings zod 3 and 4, zod-to-json-schema and ajv. A blob loads
  only in the Node.js that built it (node exits 14 otherwise): after a Node upgrade, \`npm run build\`
  again (\`doctor\` says so), or run \`node dist/cli.js serve\`.
- **Warm \`fleet_status\`** runs \`picoclaw version\` on every host on every call (half the probe's
  processes); caching the version per binary path, size and mtime would halve a warm probe.`;

/** BENCHMARKS.md: the machine, the targets, each comparison with what bounds it, how to reproduce. */
export function renderReport(r: Results): string {
  const m = r.machine;
  const idle = r.busyBefore < IDLE_BUSY && r.busyAfter < IDLE_BUSY;
  const sections = [
    fanoutSection(r.fanout, idle, m.cores),
    dispatchSection(r.dispatch),
    fleetSection(r.fleet, median(r.startup.idleRssMib)),
    ...(r.deploy ? [deploySection(r.deploy)] : []),
    ...(r.command ? [commandSection(r.command)] : []),
    startupSection(r.startup),
    crushSection(r.crush),
  ];
  const targets = sections.flatMap((s) => s.targets);
  const load = r.loadBefore.map((l) => l.toFixed(2)).join(" / ");
  const busy = `${Math.round(r.busyBefore * 100)} % of the cores were busy in the 3 s before the run and ${Math.round(r.busyAfter * 100)} % in the 3 s after it (load average at the start, which trails the minutes before: ${load})`;
  const quiet = idle
    ? `Otherwise idle before and after: ${busy}. The machine is not watched during the run; the min-max spreads show any disturbance.`
    : `**The machine was NOT idle**: ${busy}. Other work competed for the cores; re-run \`npm run bench\` on a quiet machine before trusting the absolute figures (the ratios are less affected, not immune).`;
  return `# Benchmarks

Measured by \`npm run bench\` on ${r.date.slice(0, 16).replace("T", " ")} UTC, in ${(r.totalS / 60).toFixed(1)} minutes. Every
figure is the median of ${r.runs} runs (start-up: ${r.startup.server.length}); every comparison ran side by side in the
same run, on the same lab hosts, with the same remote work.

- **Machine**: ${m.cpu}, ${m.cores} cores at ${m.mhz} MHz, ${m.memGiB} GiB RAM; ${m.os}, Linux ${m.kernel}
- **Software**: Node.js ${m.node}; ${m.openssh}; parallel-ssh ${m.pssh}
- **Load**: ${quiet}
- **Correctness**: ${r.failures.length ? `**${r.failures.length} checks FAILED**:\n${r.failures.map((f) => `  - ${f}`).join("\n")}` : "every check of every run passed (each host answered, each reply equal to its task, each status row right)."}

## Targets (issues 7 and 13)

${table(["target", "measured", ""], targets.map((t) => [t.goal, t.measured, verdict(t.met)]))}

${sections.map((s) => s.text.trim()).join("\n\n")}

${MOVES}

${REPRODUCE}
`;
}
