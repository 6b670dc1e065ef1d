import { createHash } from "node:crypto";
import type { Logger } from "../log.js";
import { scrubDeep, scrubSecrets } from "../log.js";
import { PolicyError } from "../operations/policy.js";
import type { AuditEntry, AuditHost, AuditLog } from "./audit-log.js";

/** Longest string kept whole in a record's arguments; a longer one (a 100 KB task) keeps its head and its sha256. */
const ARG_CHARS = 2000;

/** Argument names whose values are never recorded, whatever they hold. */
const SECRET_NAME = /pass|secret|token|api_?key|private/i;

/** The arguments as the audit trail keeps them: secret values and secret-named fields redacted, long strings cut. */
export function scrubArgs(args: unknown, secrets: readonly string[]): unknown {
  const cut = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (v.length <= ARG_CHARS) return v;
      return `${v.slice(0, ARG_CHARS)}[… ${v.length} chars, sha256 ${createHash("sha256").update(v).digest("hex")}]`;
    }
    if (Array.isArray(v)) return v.map(cut);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, SECRET_NAME.test(k) ? "[redacted]" : cut(x)]));
    return v;
  };
  return cut(scrubDeep(args, secrets));
}

type Loose = Record<string, unknown>;

/** Each host's outcome in a result of any host-touching tool: rows, a fleet_status, one task's row, a deploy. */
export function hostOutcomes(value: unknown): AuditHost[] {
  if (!value || typeof value !== "object") return [];
  const v = value as Loose;
  const row = (r: Loose): AuditHost => ({
    host: String(r.host ?? r.name),
    status: String(r.status ?? r.action ?? (r.reachable === undefined ? "done" : r.reachable ? "reachable" : "unreachable")),
    ...(typeof r.task_id === "string" && r.task_id ? { task_id: r.task_id } : {}),
  });
  if (Array.isArray(v.results)) return (v.results as Loose[]).map(row);
  if (Array.isArray(v.hosts) && v.summary) return (v.hosts as Loose[]).map(row);
  if (typeof v.host === "string") return [row(v)];
  return [];
}

/** What a door knows about a call it is about to make. */
export interface AuditedCall {
  tool: string;
  client: AuditEntry["client"];
  args: unknown;
  secrets: readonly string[];
  logger: Logger;
}

/**
 * Runs a host-touching call and appends its record to the audit trail, whatever the call's fate:
 * its hosts' outcomes, or why it failed or was refused. A record that cannot be written is logged
 * at error level; it does not fail the call, which has already happened.
 */
export async function audited<T>(audit: AuditLog, call: AuditedCall, run: () => Promise<T>): Promise<T> {
  const base = { tool: call.tool, client: call.client, args: scrubArgs(call.args, call.secrets) };
  const plan = Boolean((call.args as Loose | undefined)?.plan);
  const write = (entry: AuditEntry) => audit.append(entry).catch((err: unknown) => call.logger.error({ err: String(err), file: audit.file }, "audit record not written"));
  try {
    const out = await run();
    const id = (out as Loose | undefined)?.fanout_id;
    await write({ ...base, outcome: plan ? "plan" : "ok", hosts: plan ? [] : hostOutcomes(out), ...(typeof id === "string" ? { fanout_id: id } : {}) });
    return out;
  } catch (err) {
    const message = scrubSecrets(err instanceof Error ? err.message : String(err), call.secrets);
    await write({ ...base, outcome: err instanceof PolicyError ? "refused" : "error", error: message, hosts: [] });
    throw err;
  }
}
