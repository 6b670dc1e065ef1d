import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";
import { benchCrush } from "./crush.js";
import { benchDeployReal } from "./deploy-real.js";
import { benchDispatch } from "./dispatch.js";
import { benchFanout } from "./fanout.js";
import { benchCommandFanout } from "./command-fanout.js";
import { benchFleet } from "./fleet200.js";
import { busyShare, note, ROOT } from "./helpers.js";
import { machineFacts } from "./machine.js";
import { renderReport, type Results } from "./report.js";
import { COMMAND_HEADING, commandSection } from "./report-command.js";
import { deploySection } from "./report-deploy.js";
import { setUpLab } from "./setup.js";
import { benchStartup } from "./startup.js";

/** Hosts of the real-size deploy (issue 11), and its runs at most: each run ships 20 real archives three ways. */
const DEPLOY_HOSTS = 20;
const DEPLOY_RUNS = 3;

/** The heading the real-size deploy's section starts with, and the one it goes before when the file has none yet. */
const DEPLOY_HEADING = "## Deploy at real size";
const DEPLOY_BEFORE = "## Start-up";

/** The widths of the run_command fan-out (issue 13). */
const COMMAND_HOSTS = [50, 200];

/**
 * Puts `section` into BENCHMARKS.md in place of the one starting with `heading` (up to the next
 * heading), or before `before` when the file has none yet, leaving the rest of the file as it is.
 */
function replaceSection(out: string, heading: string, before: string, section: string): void {
  const text = readFileSync(out, "utf8");
  const body = `${section.trim()}\n\n`;
  const start = text.indexOf(heading);
  const end = start < 0 ? -1 : text.indexOf("\n## ", start + 1) + 1;
  const at = text.indexOf(before);
  if (start < 0 && at < 0) throw new Error(`BENCHMARKS.md has neither "${heading}" nor "${before}"`);
  writeFileSync(out, start < 0 ? text.slice(0, at) + body + text.slice(at) : text.slice(0, start) + body + (end > 0 ? text.slice(end) : ""));
}

/**
 * BENCH_ONLY=deploy: measures the real-size deploy alone (or reads it from BENCH_FROM) and puts its
 * section into BENCHMARKS.md in place of the one there (before "Start-up" when there is none).
 */
async function deployOnly(out: string, runs: number): Promise<number> {
  const from = process.env.BENCH_FROM;
  const deploy = from ? (JSON.parse(readFileSync(from, "utf8")) as Pick<Results, "deploy">).deploy : await benchDeployReal(Math.min(runs, DEPLOY_RUNS), DEPLOY_HOSTS);
  if (!deploy) throw new Error(`${from} holds no real-size deploy`);
  if (process.env.BENCH_JSON && !from) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ deploy }, null, 1));
  replaceSection(out, DEPLOY_HEADING, DEPLOY_BEFORE, deploySection(deploy).text);
  note(`wrote the real-size deploy into ${out}${deploy.failures.length ? `; FAILED CHECKS:\n${deploy.failures.join("\n")}` : ""}`);
  return deploy.failures.length ? 1 : 0;
}

/**
 * BENCH_ONLY=run: measures the run_command fan-out alone (or reads it from BENCH_FROM) and puts its
 * section into BENCHMARKS.md in place of the one there (before "Start-up" when there is none).
 */
async function commandOnly(out: string, runs: number): Promise<number> {
  const from = process.env.BENCH_FROM;
  const command = from ? (JSON.parse(readFileSync(from, "utf8")) as Pick<Results, "command">).command : await benchCommandFanout(COMMAND_HOSTS, runs);
  if (!command) throw new Error(`${from} holds no run_command fan-out`);
  if (process.env.BENCH_JSON && !from) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ command }, null, 1));
  replaceSection(out, COMMAND_HEADING, DEPLOY_BEFORE, commandSection(command).text);
  note(`wrote the run_command fan-out into ${out}${command.failures.length ? `; FAILED CHECKS:\n${command.failures.join("\n")}` : ""}`);
  return command.failures.length ? 1 : 0;
}

/**
 * `npm run bench`: starts a lab of real sshd hosts, deploys the stand-in PicoClaw to all of them,
 * runs every comparison side by side, then the real-size deploy on a lab of its own, and writes
 * BENCHMARKS.md. Env knobs for development: BENCH_RUNS (default 5), BENCH_HOSTS (default 200),
 * BENCH_JSON (also write the raw results there), BENCH_FROM (render BENCHMARKS.md from such a file,
 * measuring nothing), BENCH_ONLY=deploy (the real-size deploy alone, its section replaced in place),
 * BENCH_ONLY=run (the run_command fan-out alone, likewise).
 */
async function main(): Promise<number> {
  const out = join(ROOT, "BENCHMARKS.md");
  const only = process.env.BENCH_ONLY;
  if (only !== undefined && only !== "deploy" && only !== "run") throw new Error(`Expected BENCH_ONLY to be deploy or run, got ${only}`);
  if (only === "deploy") return deployOnly(out, Number(process.env.BENCH_RUNS ?? DEPLOY_RUNS));
  if (only === "run") return commandOnly(out, Number(process.env.BENCH_RUNS ?? 5));
  if (process.env.BENCH_FROM) {
    const results = JSON.parse(readFileSync(process.env.BENCH_FROM, "utf8")) as Results;
    writeFileSync(out, renderReport(results));
    note(`rendered ${out} from ${process.env.BENCH_FROM}`);
    return results.failures.length ? 1 : 0;
  }
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const hostCount = Number(process.env.BENCH_HOSTS ?? 200);
  if (!(runs >= 1) || !(hostCount >= 100)) throw new Error(`Expected BENCH_RUNS >= 1 and BENCH_HOSTS >= 100, got ${runs} and ${hostCount}`);
  const started = new Date();
  const t0 = performance.now();
  const loadBefore = loadavg();
  const busyBefore = await busyShare(3000, cpus().length);
  note(`machine busy before the run: ${Math.round(busyBefore * 100)} % of ${cpus().length} cores`);
  const bl = await setUpLab(hostCount);
  try {
    const tasks = parseConfig(JSON.parse(readFileSync(bl.configPath, "utf8")), bl.configPath).tasks;
    const startup = await benchStartup(bl.configPath, bl.env, Math.max(runs, 10));
    const crush = await benchCrush(bl, [10, 1], 200, runs);
    const dispatch = await benchDispatch(bl, 20, runs, tasks);
    const fanout = await benchFanout(bl, [10, 50, 100], runs, tasks);
    const fleet = await benchFleet(bl, runs, bl.version);
    const failures = [...fleet.failures];
    if (dispatch.wrong) failures.push(`sequential dispatch: ${dispatch.wrong} calls without the expected reply`);
    for (const f of fanout) {
      for (const [side, samples] of Object.entries(f.samples)) {
        const short = samples.filter((s) => s.ok !== f.n).length;
        if (short) failures.push(`fan-out N=${f.n} ${side}: ${short} runs where not every host answered right`);
      }
    }
    await bl.stop();
    const deploy = await benchDeployReal(Math.min(runs, DEPLOY_RUNS), DEPLOY_HOSTS);
    failures.push(...deploy.failures);
    const command = await benchCommandFanout(COMMAND_HOSTS, runs);
    failures.push(...command.failures);
    const busyAfter = await busyShare(3000, cpus().length);
    const results: Results = {
      date: started.toISOString(),
      busyBefore,
      busyAfter,
      totalS: (performance.now() - t0) / 1000,
      loadBefore,
      loadAfter: loadavg(),
      runs,
      machine: await machineFacts(),
      startup,
      crush,
      dispatch,
      fanout,
      fleet,
      deploy,
      command,
      failures,
    };
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 1));
    writeFileSync(out, renderReport(results));
    note(`wrote ${out} after ${Math.round(results.totalS)} s${failures.length ? `; FAILED CHECKS:\n${failures.join("\n")}` : ""}`);
    return failures.length ? 1 : 0;
  } finally {
    await bl.stop(); // at once when the run already stopped it
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
