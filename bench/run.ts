import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/load.js";
import { benchCrush } from "./crush.js";
import { benchDispatch } from "./dispatch.js";
import { benchFanout } from "./fanout.js";
import { benchFleet } from "./fleet200.js";
import { busyShare, note, ROOT } from "./helpers.js";
import { machineFacts } from "./machine.js";
import { renderReport, type Results } from "./report.js";
import { setUpLab } from "./setup.js";
import { benchStartup } from "./startup.js";

/**
 * `npm run bench`: starts a lab of real sshd hosts, deploys the stand-in PicoClaw to all of them,
 * runs every comparison side by side, and writes BENCHMARKS.md. Env knobs for development:
 * BENCH_RUNS (default 5), BENCH_HOSTS (default 200), BENCH_JSON (also write the raw results there),
 * BENCH_FROM (render BENCHMARKS.md from such a file, measuring nothing).
 */
async function main(): Promise<number> {
  const out = join(ROOT, "BENCHMARKS.md");
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
