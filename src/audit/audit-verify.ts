import { existsSync } from "node:fs";
import { readText } from "../tasks/jsonl-file.js";
import { GENESIS, recordHash, type AuditRecord } from "./audit-log.js";

/** What `audit verify` found. */
export interface AuditVerdict {
  ok: boolean;
  records: number;
  files: string[];
  /** The first line that breaks the chain: its file, its 1-based line number, and why. */
  bad?: { file: string; line: number; reason: string };
  /** The seq the kept history starts at (above 1 once older files were rotated away). */
  first_seq?: number;
}

/** The audit files oldest first: `<file>.1` (when a rotation kept one), then `file`. */
function auditFiles(file: string): string[] {
  return [`${file}.1`, file].filter((f) => existsSync(f));
}

/**
 * Checks the chain line by line: each line's `hash` must be the sha256 of the rest of it (an
 * edited line fails here), and its `prev` the hash of the line before with `seq` one more (a
 * removed or swapped line fails here). The first line must start the chain (seq 1, prev zeros)
 * unless a rotation dropped older files. Names the first bad line.
 */
export function verifyAudit(file: string): AuditVerdict {
  const files = auditFiles(file);
  let prev: AuditRecord | undefined;
  let records = 0;
  let firstSeq: number | undefined;
  for (const f of files) {
    const lines = readText(f).split("\n");
    if (lines.at(-1) === "") lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const bad = (reason: string): AuditVerdict => ({ ok: false, records, files, bad: { file: f, line: i + 1, reason } });
      let rec: AuditRecord;
      try {
        rec = JSON.parse(lines[i]!) as AuditRecord;
      } catch {
        return bad("not a JSON record (edited or torn)");
      }
      const { hash, ...body } = rec;
      if (recordHash(body) !== hash) return bad("its content does not match its hash: the line was edited");
      if (prev) {
        if (rec.prev !== prev.hash || rec.seq !== prev.seq + 1) return bad(`it does not follow record ${prev.seq}: a line before it was removed, or lines were reordered`);
      } else if (files.length === 1 && (rec.seq !== 1 || rec.prev !== GENESIS)) {
        return bad(`the log starts at record ${rec.seq}, not at the first record: lines before it were removed`);
      }
      firstSeq ??= rec.seq;
      prev = rec;
      records++;
    }
  }
  return { ok: true, records, files, ...(firstSeq !== undefined ? { first_seq: firstSeq } : {}) };
}

/** The records of the audit trail, oldest first, from `since` on and naming `host` when given. */
export function readAudit(file: string, filter: { since?: Date | undefined; host?: string | undefined } = {}): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const f of auditFiles(file)) {
    for (const raw of readText(f).split("\n")) {
      if (!raw.trim()) continue;
      try {
        const rec = JSON.parse(raw) as AuditRecord;
        if (filter.since && new Date(rec.time) < filter.since) continue;
        if (filter.host && !rec.hosts.some((h) => h.host === filter.host)) continue;
        out.push(rec);
      } catch {
        // a broken line is verify's business; reading shows the rest
      }
    }
  }
  return out;
}
