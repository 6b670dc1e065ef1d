import { readAudit, verifyAudit } from "../audit/audit-verify.js";
import type { Deps } from "../deps.js";
import { foldHosts } from "../results/node-set.js";
import { paint, writeOutput } from "./table.js";
import type { Parsed } from "./verbs.js";

/** `--since 2h` (s, m, h, d ago) or an ISO date. */
function since(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const ago = /^(\d+)([smhd])$/.exec(value);
  if (ago) return new Date(Date.now() - Number(ago[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[ago[2] as "s"]);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`Expected --since to be a duration (30m, 2h, 7d) or a date (2026-05-01T12:00Z), got ${value}`);
  return date;
}

/** `audit verify`: the hash chain checked line by line; exit 1 naming the first bad line. */
function verifyCommand(deps: Deps, p: Parsed): number {
  const verdict = verifyAudit(deps.audit.file);
  writeOutput(p.json, verdict, () => {
    const c = paint(process.stdout);
    if (!verdict.ok) return c.red(`audit trail broken at ${verdict.bad!.file} line ${verdict.bad!.line}: ${verdict.bad!.reason}. Records before it are intact (${verdict.records}).`);
    const from = verdict.first_seq && verdict.first_seq > 1 ? `, from record ${verdict.first_seq} (older ones rotated away)` : "";
    return c.green(`audit trail intact: ${verdict.records} records in ${verdict.files.join(", ") || `${deps.audit.file} (none yet)`}${from}`);
  });
  return verdict.ok ? 0 : 1;
}

/**
 * `audit [--since 2h] [--hosts h]`: what was done to the fleet, oldest first, one line a call
 * (time, tool, client, outcome, hosts by status); `audit verify` checks the chain.
 */
export async function auditCommand(deps: Deps, p: Parsed): Promise<number> {
  if (p.args[0] === "verify") return verifyCommand(deps, p);
  if (p.args.length) throw new Error("Usage: picoclaw-fleet audit [verify] [--since 2h|DATE] [--hosts h]");
  const records = readAudit(deps.audit.file, { since: since(p.since), host: p.hostsList?.[0] });
  writeOutput(p.json, records, () => {
    const lines = records.map((r) => {
      const byStatus = new Map<string, string[]>();
      for (const h of r.hosts) byStatus.set(h.status, [...(byStatus.get(h.status) ?? []), h.host]);
      const hosts = [...byStatus].map(([s, names]) => `${s} ${foldHosts(names)}`).join("; ");
      const who = r.client ? `${r.client.name} ${r.client.version}` : "-";
      return `${r.seq} ${r.time.slice(0, 19)}Z ${r.tool} [${who}] ${r.outcome}${r.fanout_id ? ` ${r.fanout_id}` : ""}${hosts ? `: ${hosts}` : ""}${r.error ? ` (${r.error.split("\n")[0]})` : ""}`;
    });
    return lines.length ? lines.join("\n") : `no audit records${p.since ? " in that time" : ""} in ${deps.audit.file}`;
  });
  return 0;
}
