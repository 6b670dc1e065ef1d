import { readFileSync } from "node:fs";
import { parseConfig } from "../src/config/load.js";
import { benchFanout, FANOUT_SIDES } from "./fanout.js";
import { setUpLab } from "./setup.js";
const bl = await setUpLab(Number(process.env.N ?? 50));
try {
  const tasks = parseConfig(JSON.parse(readFileSync(bl.configPath, "utf8")), bl.configPath).tasks;
  const [r] = await benchFanout(bl, [Number(process.env.N ?? 50)], Number(process.env.RUNS ?? 3), tasks);
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const s of FANOUT_SIDES) console.log(s, Math.round(med(r!.samples[s].map((x) => x.ms))), "ms; cpu/host", Math.round(med(r!.samples[s].map((x) => x.machineCpuMs)) / r!.n));
  console.log("warm/pssh", (med(r!.samples.warm.map((x) => x.ms)) / med(r!.samples.pssh.map((x) => x.ms))).toFixed(2), "cold/pssh", (med(r!.samples.cold.map((x) => x.ms)) / med(r!.samples.pssh.map((x) => x.ms))).toFixed(2));
} finally { await bl.stop(); }
process.exit(0);
