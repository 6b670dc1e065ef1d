import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { readAudit, verifyAudit } from "../../src/audit/audit-verify.js";

async function logWith(records: number, maxBytes = 1024 * 1024): Promise<AuditLog> {
  const log = new AuditLog(join(mkdtempSync(join(tmpdir(), "audit-")), "audit.jsonl"), maxBytes);
  for (let i = 0; i < records; i++) await log.append({ tool: "fanout", client: { name: "test", version: "0" }, args: { task: `task ${i}` }, outcome: "ok", hosts: [{ host: `h${i}`, status: "succeeded" }] });
  return log;
}

const lines = (file: string) => readFileSync(file, "utf8").trimEnd().split("\n");
const rewrite = (file: string, l: string[]) => writeFileSync(file, `${l.join("\n")}\n`);

describe("AuditLog", () => {
  it("writes a 0600 file whose chain verify accepts", async () => {
    const log = await logWith(5);
    expect(statSync(log.file).mode & 0o777).toBe(0o600);
    expect(verifyAudit(log.file)).toMatchObject({ ok: true, records: 5, first_seq: 1 });
    expect(readAudit(log.file, { host: "h3" }).map((r) => r.seq)).toEqual([4]);
  });

  it("verify names the edited line", async () => {
    const log = await logWith(5);
    const l = lines(log.file);
    l[2] = l[2]!.replace("task 2", "task X");
    rewrite(log.file, l);
    expect(verifyAudit(log.file).bad).toMatchObject({ line: 3, reason: expect.stringMatching(/edited/) });
  });

  it("verify names the line after a deleted one, and the first of two swapped", async () => {
    const log = await logWith(5);
    const l = lines(log.file);
    rewrite(log.file, [...l.slice(0, 2), ...l.slice(3)]);
    expect(verifyAudit(log.file).bad).toMatchObject({ line: 3, reason: expect.stringMatching(/removed|reordered/) });
    rewrite(log.file, [l[0]!, l[2]!, l[1]!, l[3]!, l[4]!]);
    expect(verifyAudit(log.file).bad).toMatchObject({ line: 2 });
    rewrite(log.file, l.slice(1));
    expect(verifyAudit(log.file).bad).toMatchObject({ line: 1, reason: expect.stringMatching(/starts at record 2/) });
  });

  it("keeps the chain verifiable across a rotation: the new file's first record links to the old one's last", async () => {
    const log = await logWith(40, 64 * 1024 - 1);
    const big = "x".repeat(1900);
    for (let i = 0; i < 40; i++) await log.append({ tool: "fanout", client: null, args: { task: big }, outcome: "ok", hosts: [] });
    const verdict = verifyAudit(log.file);
    expect(verdict.files).toEqual([`${log.file}.1`, log.file]);
    expect(verdict.ok).toBe(true);
    const first = JSON.parse(lines(log.file)[0]!);
    const last = JSON.parse(lines(`${log.file}.1`).at(-1)!);
    expect(first.prev).toBe(last.hash);
  });
});
