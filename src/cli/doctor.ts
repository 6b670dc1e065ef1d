import type { Deps } from "../deps.js";
import { doctor } from "../operations/doctor.js";
import { paint } from "./table.js";

/** `picoclaw-fleet doctor`: every finding on a line, with its fix; exit 1 when anything is an error. */
export async function doctorCommand(deps: Deps, args: { json: boolean }): Promise<number> {
  const findings = await doctor(deps);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ findings }, null, 2)}\n`);
  } else {
    const c = paint(process.stdout);
    const mark = { ok: c.green("ok  "), warn: c.yellow("warn"), error: c.red("FAIL") };
    for (const f of findings) {
      process.stdout.write(`${mark[f.level]} ${f.host ? `${f.host}: ` : ""}${f.message}\n`);
      if (f.fix) process.stdout.write(`     fix: ${f.fix}\n`);
    }
  }
  return findings.some((f) => f.level === "error") ? 1 : 0;
}
