import type { Deps } from "../deps.js";
import { doctor } from "../operations/doctor.js";
import { snapshotFinding } from "./snapshot-check.js";
import { paint, writeOutput } from "./table.js";

/**
 * `picoclaw-fleet doctor`: every finding on a line, with its fix; exit 1 when anything is an error.
 * The install's start-up snapshot comes first, then the config and the hosts.
 */
export async function doctorCommand(deps: Deps, args: { json: boolean }): Promise<number> {
  const findings = [snapshotFinding(), ...(await doctor(deps))];
  writeOutput(args.json, { findings }, () => {
    const c = paint(process.stdout);
    const mark = { ok: c.green("ok  "), warn: c.yellow("warn"), error: c.red("FAIL") };
    return findings.map((f) => `${mark[f.level]} ${f.host ? `${f.host}: ` : ""}${f.message}${f.fix ? `\n     fix: ${f.fix}` : ""}`).join("\n");
  });
  return findings.some((f) => f.level === "error") ? 1 : 0;
}
