import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";
import { benchCrush } from "./crush.js";
import { benchDeployReal } from "./deploy-real.js";
import { benchDispatch } from "./dispatch.js";
import { benchFanout } from "./fanout.js";
import { benchFleet } from "./fleet200.js";
import { busyShare, note, ROOT } from "./helpers.js";
import { machineFacts } from "./machine.js";
import { renderReport, type Results } from "./report.js";
import { deploySection } from "./report-deploy.js";
import { setUpLab } from "./setup.js";
import { benchStartup } from "./startup.js";

/** Hosts of the real-size deploy (issue 11), and its runs at most: each run ships 20 real archives three ways. */
const DEPLOY_HOSTS = 20;
const DEPLOY_RUNS = 3;

/** The heading the real-size deploy's section starts with, and the one it goes before when the file has none yet. */
const DEPLOY_HEADING = "## Deploy at real size";
const DEPLOY_BEFORE = "## Start-up";

/**
 * BENCH_ONLY=deploy: measures the real-size deploy alone (or reads it from BENCH_FROM) and puts its
 * section into BENCHMARKS.md in place of the one there (before "Start-up" when there is none),
 * leaving the rest of the file as it is.
 */
async function deployOnly(out: string, runs: number): Promise<number> {
  const from = process.env.BENCH_FROM;
  const deploy = from ? (JSON.parse(readFileSync(from, "utf8")) as Pick<Results, "deploy">).deploy : await benchDeployReal(Math.min(runs, DEPLOY_RUNS), DEPLOY_HOSTS);
  if (!deploy) throw new Error(`${from} holds no real-size deploy`);
  if (process.env.BENCH_JSON && !from) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ deploy }, null, 1));
  const text = readFileSync(out, "utf8");
  const section = `${deploySection(deploy).text.trim()}\n\n`;
  const start = text.indexOf(DEPLOY_HEADING);
  const end = start < 0 ? -1 : text.indexOf("\n## ", start + 1) + 1;
  const at = text.indexOf(DEPLOY_BEFORE);
  if (start < 0 && at < 0) throw new Error(`BENCHMARKS.md has neither "${DEPLOY_HEADING}" nor "${DEPLOY_BEFORE}"`);
  writeFileSync(out, start < 0 ? text.slice(0, at) + section + text.slice(at) : text.slice(0, start) + section + (end > 0 ? text.slice(end) : ""));
  note(`wrote the real-size deploy into ${out}${deploy.failures.length ? `; FAILED CHECKS:\n${deploy.failures.join("\n")}` : ""}`);
  return deploy.failures.length ? 1 : 0;
}

/**
 * `npm run bench`: starts a lab of real sshd hosts, deploys the stand-in PicoClaw to all of them,
 * runs every comparison side by side, then the real-size deploy on a lab of its own, and writes
 * BENCHMARKS.md. Env knobs for development: BENCH_RUNS (default 5), BENCH_HOSTS (default 200),
 * BENCH_JSON (also write the raw results there), BENCH_FROM (render BENCHMARKS.md from such a file,
 * measuring nothing), BENCH_ONLY=deploy (the real-size deploy alone, its section replaced in place).
 */
async function main(): Promise<number> {
  const out = join(ROOT, "BENCHMARKS.md");
  const only = process.env.BENCH_ONLY;
  if (only !== undefined && only !== "deploy") throw new Error(`Expected BENCH_ONLY to be deploy, got ${only}`);
  if (only) return deployOnly(out, Number(process.env.BENCH_RUNS ?? DEPLOY_RUNS));
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
