import { execFile } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULT_KEY_ENV, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";
import type { LabHost } from "../lab/lab-types.js";
import { mcpJsonServer, ROOT } from "../helpers/mcp-json.js";

/** Issue 14's "Done when", through the built stdio server on 20 lab hosts with the stand-in PicoClaw. */

type Result = CallToolResult & { structuredContent?: any };
const PASSWORD_ENV = "PCF_SAFETY_PASSWORD";
const PASSWORD = "pw-safety-suite-5b1e";
let fleet: FaultFleet;
let main: string;
const open: Client[] = [];

/** The built server (as mcp.json starts it) for `configPath`, with a client that answers elicitation as `answer` says (or declares none). */
async function serverFor(configPath: string, answer?: "accept" | "decline"): Promise<(name: string, args: Record<string, unknown>) => Promise<Result>> {
  const { command, args } = mcpJsonServer();
  const transport = new StdioClientTransport({ command, args, cwd: ROOT, env: { ...process.env, PICOCLAW_FLEET_CONFIG: configPath } as Record<string, string>, stderr: "pipe" });
  const client = new Client({ name: answer ? `elicit-${answer}` : "brakes", version: "1.4" }, answer ? { capabilities: { elicitation: { form: {} } } } : {});
  if (answer) client.setRequestHandler(ElicitRequestSchema, async () => (answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" }));
  await client.connect(transport);
  open.push(client);
  return (name, a) => client.callTool({ name, arguments: a }, undefined, { timeout: 120_000 }) as Promise<Result>;
}

const hostsOf = () => fleet.lab.hosts;
const names = (from: number, to: number) => hostsOf().slice(from - 1, to).map((h) => h.name);
/** The messages the stand-in on `host` received so far. */
const received = (host: LabHost) => {
  const file = join(host.home, ".picoclaw", "standin", "received");
  return existsSync(file) ? readFileSync(file, "utf8").split("\0").filter(Boolean) : [];
};
const receivedAll = () => hostsOf().map(received);
const text = (r: Result) => (r.content as { text: string }[])[0]!.text;
const pairs = (fail: string[]) => hostsOf().map((h) => ({ host: h.name, task: fail.includes(h.name) ? "fail" : `hello from ${h.name}` }));
/** Every file in the hosts' homes with its size and mtime: what "changed nothing" is checked against. */
const homes = async () => (await fleet.lab.exec(`find ${hostsOf().map((h) => h.home).join(" ")} -printf '%p %s %T@\\n' | sort`)).stdout;
const cli = (configPath: string, ...argv: string[]) => promisify(execFile)("node", ["dist/cli.js", ...argv, "--config", configPath], { cwd: ROOT }).then((r) => ({ code: 0, out: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }));

beforeAll(async () => {
  process.env[PASSWORD_ENV] = PASSWORD;
  fleet = await startFaultFleet({ hosts: 20 });
  main = fleet.configPath();
  // h01 also names a password_env: its value is a secret the audit trail must never hold.
  const config = JSON.parse(readFileSync(main, "utf8"));
  config.hosts[0].password_env = PASSWORD_ENV;
  writeFileSync(main, JSON.stringify(config));
  const call = await serverFor(main);
  // h19 and h20 stay without PicoClaw: the plan must say they need a deploy.
  const deployed = await Promise.all(names(1, 18).map((host) => call("deploy_host", { host })));
  expect(deployed.filter((r) => r.isError).map(text)).toEqual([]);
}, 240_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  await fleet?.stop();
});

describe("brakes through the stdio server", () => {
  it("plan: true changes nothing on any host, and names the hosts needing a deploy and the ones the policy refuses", async () => {
    const call = await serverFor(fleet.configPath({ policy: { allowed_labels: { fanout: ["odd"] } } }));
    const before = [await homes(), receivedAll()];
    const res = await call("fanout", { task: "plan me", labels: ["lab"], plan: true, batch: 3, canary: 1, max_failures: 1 });
    const plan = res.structuredContent.plan;
    const action = (host: string) => plan.hosts.find((h: any) => h.host === host);
    expect(action("h19")).toMatchObject({ action: "deploy, then run", picoclaw: "missing" });
    expect(action("h02")).toMatchObject({ action: "refused", refused_by: "policy.allowed_labels.fanout [odd]" });
    expect(action("h01")).toMatchObject({ action: "run", batch: 1 });
    expect(plan.release.version).toMatch(/\d+\.\d+\.\d+/);
    expect(plan.batches).toEqual(["h01", "h[03,05,07]", "h[09,11,13]", "h[15,17,19]"]);
    expect(res.structuredContent.summary).toMatchObject({ total: 20, skipped: 20 });
    expect(res.structuredContent.fanout_id).toBeUndefined();
    expect(text(res)).toMatch(/^plan fanout \(nothing was run\): 20 hosts/);
    expect(text(res)).toMatch(/refused h\[02,04,06,08,10,12,14,16,18,20\] \(10\) by policy\.allowed_labels\.fanout \[odd\]/);
    expect(text(res)).toMatch(/deploy, then run h19 \(1\)/);
    const deploy = await call("deploy_host", { host: "h20", plan: true });
    expect(deploy.structuredContent).toMatchObject({ host: "h20", action: "installed", plan: { hosts: [{ action: "install" }] } });
    const teardown = await call("teardown", { hosts: ["h01", "h20"], plan: true });
    expect(teardown.structuredContent.plan.hosts.map((h: any) => h.action)).toEqual(["remove PicoClaw", "nothing to remove"]);
    const dispatch = await call("dispatch_task", { host: "h19", task: "x", plan: true });
    expect(dispatch.structuredContent).toMatchObject({ status: "skipped", plan: { hosts: [{ host: "h19", action: "deploy, then run" }] } });
    expect([await homes(), receivedAll()]).toEqual(before);
  });

  let budgeted = "";
  it("20 hosts, batch 5, max_failures 1, two failures in the first batch: only the first batch ran, 15 rows skipped", async () => {
    const call = await serverFor(main);
    const before = receivedAll();
    const res = await call("fanout", { tasks: pairs(["h02", "h04"]), batch: 5, max_failures: 1 });
    const out = res.structuredContent;
    expect(out.summary).toMatchObject({ total: 20, succeeded: 3, failed: 2, skipped: 15 });
    const after = receivedAll();
    expect(after.map((r, i) => r.length - before[i]!.length)).toEqual([1, 1, 1, 1, 1, ...Array(15).fill(0)]);
    const skipped = out.groups.find((g: any) => g.status === "skipped");
    expect(skipped).toMatchObject({ count: 15, hosts_compact: "h[06-20]", error: expect.stringMatching(/past max_failures 1; no further batch started/) });
    expect(text(res)).toMatch(new RegExp(`^fanout ${out.fanout_id}: 20 hosts in .*3 succeeded, 2 failed, 15 skipped`));
    expect(text(res)).toContain(`retry: "${out.fanout_id}"`);
    budgeted = out.fanout_id;
    // task_list sees the skipped rows: they were journaled.
    expect((await call("task_list", { status: "skipped", limit: 100 })).structuredContent.tasks.length).toBeGreaterThanOrEqual(15);
  });

  it("retry reaches exactly the failed hosts and links back to the first fan-out", async () => {
    const call = await serverFor(main);
    const before = receivedAll();
    const res = await call("fanout", { retry: budgeted });
    expect(res.structuredContent.retry_of).toBe(budgeted);
    expect(res.structuredContent.results.map((r: any) => r.host)).toEqual(["h02", "h04"]);
    expect(receivedAll().map((r, i) => r.length - before[i]!.length)).toEqual(hostsOf().map((h) => (["h02", "h04"].includes(h.name) ? 1 : 0)));
    expect(text(res)).toContain(`(retry of ${budgeted})`);
  });

  it("a failing canary: no other host received anything", async () => {
    const call = await serverFor(main);
    const before = receivedAll();
    const res = await call("fanout", { tasks: pairs(["h01"]).slice(0, 10), canary: 1 });
    expect(res.structuredContent.summary).toMatchObject({ failed: 1, skipped: 9 });
    expect(receivedAll().map((r, i) => r.length - before[i]!.length)).toEqual([1, ...Array(19).fill(0)]);
    expect(res.structuredContent.groups.find((g: any) => g.status === "skipped").error).toMatch(/canary h01 failed/);
  });

  it("a fan-out that returned at wait_s keeps rolling in the background, its later batches still governed by the budget", async () => {
    const call = await serverFor(main);
    const before = receivedAll();
    const tasks = [{ host: "h01", task: "fail" }, { host: "h02", task: "sleep 3" }, { host: "h03", task: "late" }, { host: "h04", task: "late" }];
    const res = await call("fanout", { tasks, batch: 2, max_failures: 0, wait_s: 1 });
    const rows = res.structuredContent.results;
    expect(rows.map((r: any) => r.status)).toEqual(["failed", "running", "running", "running"]);
    expect(rows[2].error).toMatch(/waiting for batch 2 of 2/);
    const late = async () => (await call("task_status", { task_id: rows[3].task_id })).structuredContent;
    const deadline = Date.now() + 15_000;
    while ((await late()).status === "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await late()).toMatchObject({ status: "skipped", error: expect.stringMatching(/past max_failures 0/) });
    expect(receivedAll().map((r, i) => r.length - before[i]!.length).slice(0, 4)).toEqual([1, 1, 0, 0]);
  });

  it('batch "25%" on 20 hosts runs 4 batches of 5, one after another', async () => {
    const call = await serverFor(main);
    const planned = await call("fanout", { task: "sleep 1", batch: "25%", plan: true });
    expect(planned.structuredContent.plan.batches).toEqual(["h[01-05]", "h[06-10]", "h[11-15]", "h[16-20]"]);
    const res = await call("fanout", { task: "sleep 1", batch: "25%", timeout_s: 60 });
    expect(res.structuredContent.summary).toMatchObject({ total: 20, succeeded: 20 });
    // Each batch starts after the one before ended: its first message arrives a second after the last one of the batch before.
    const arrived = hostsOf().map((h) => statSync(join(h.home, ".picoclaw", "standin", "last-message")).mtimeMs);
    for (let k = 1; k < 4; k++) expect(Math.min(...arrived.slice(5 * k, 5 * k + 5)) - Math.max(...arrived.slice(5 * k - 5, 5 * k))).toBeGreaterThan(800);
  });

  it("confirm_above 3: accept lets a 5-host fan-out run, decline stops it before any host is touched, no elicitation gets the refusal", async () => {
    const path = fleet.configPath({ policy: { confirm_above: 3 } });
    const five = { task: "confirm me", hosts: names(1, 5) };
    const before = receivedAll();
    const accepted = await (await serverFor(path, "accept"))("fanout", five);
    expect(accepted.structuredContent.summary).toMatchObject({ total: 5, succeeded: 5 });
    const between = receivedAll();
    expect(between.map((r, i) => r.length - before[i]!.length)).toEqual([1, 1, 1, 1, 1, ...Array(15).fill(0)]);
    const declined = await (await serverFor(path, "decline"))("fanout", five);
    expect(declined.isError).toBe(true);
    expect(text(declined)).toMatch(/more than policy\.confirm_above \(3\); the person answered decline, so nothing ran/);
    const refused = await (await serverFor(path))("fanout", five);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/cannot ask the person to confirm .*select at most 3 hosts per call .* or raise policy\.confirm_above/);
    expect(receivedAll()).toEqual(between);
  });

  it("audits every host-touching call without a secret; verify passes untouched and names the line after an edit, a deletion, a swap", async () => {
    const call = await serverFor(main);
    const key = process.env[FAULT_KEY_ENV]!;
    const res = await call("fanout", { task: `repeat ${key} and ${PASSWORD}`, hosts: ["h01"] });
    expect(JSON.stringify(res)).not.toContain(key);
    const file = join(fleet.lab.dir, "audit.jsonl");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const log = readFileSync(file, "utf8");
    expect(log).not.toContain(key);
    expect(log).not.toContain(PASSWORD);
    const records = log.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(records.filter((r) => r.tool === "deploy_host" && r.outcome === "ok")).toHaveLength(18);
    expect(records.filter((r) => r.tool === "fanout").map((r) => r.outcome)).toEqual(expect.arrayContaining(["plan", "ok", "refused"]));
    expect(records.find((r) => r.fanout_id === budgeted)).toMatchObject({ client: { name: "brakes", version: "1.4" }, hosts: expect.arrayContaining([{ host: "h20", status: "skipped", task_id: expect.any(String) }]) });
    expect(await cli(main, "audit", "verify")).toMatchObject({ code: 0, out: expect.stringMatching(/audit trail intact/) });
    const lines = log.trimEnd().split("\n");
    const tampered = (edit: (l: string[]) => string[]) => {
      const copy = join(fleet.lab.dir, `audit-copy-${Math.random().toString(36).slice(2)}.jsonl`);
      copyFileSync(file, copy);
      writeFileSync(copy, `${edit([...lines]).join("\n")}\n`);
      return cli(fleet.configPath({ audit: { path: copy } }), "audit", "verify");
    };
    expect(await tampered((l) => ((l[3] = l[3]!.replace(/"outcome":"ok"/, '"outcome":"error"')), l))).toMatchObject({ code: 1, out: expect.stringMatching(/line 4: .*edited/) });
    expect(await tampered((l) => [...l.slice(0, 3), ...l.slice(4)])).toMatchObject({ code: 1, out: expect.stringMatching(/line 4: .*removed/) });
    expect(await tampered((l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)])).toMatchObject({ code: 1, out: expect.stringMatching(/line 3: /) });
    const listed = await cli(main, "audit", "--hosts", "h20");
    expect(listed.out).toContain(budgeted);
  });

  it("the CLI: fanout --plan --batch 25% --canary 1, and retry <fanout_id>, both recorded in the audit trail", async () => {
    const planned = await cli(main, "fanout", "x", "--plan", "--batch", "25%", "--canary", "1", "--max-failures", "2", "--json");
    expect(planned.code).toBe(0);
    expect(JSON.parse(planned.out).plan).toMatchObject({ batches: ["h01", "h[02-06]", "h[07-11]", "h[12-16]", "h[17-20]"], canary: 1, max_failures: 2 });
    const before = receivedAll();
    const retried = await cli(main, "retry", budgeted, "--json");
    expect(JSON.parse(retried.out)).toMatchObject({ retry_of: budgeted, summary: { total: 2, failed: 2 } });
    expect(receivedAll().map((r, i) => r.length - before[i]!.length)).toEqual(hostsOf().map((h) => (["h02", "h04"].includes(h.name) ? 1 : 0)));
    const records = readFileSync(join(fleet.lab.dir, "audit.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(records.at(-1)).toMatchObject({ tool: "cli retry", client: { name: "picoclaw-fleet-cli" }, outcome: "ok", hosts: [{ host: "h02", status: "failed" }, { host: "h04", status: "failed" }] });
    expect(records.at(-2)).toMatchObject({ tool: "cli fanout", outcome: "ok" });
    expect(await cli(main, "audit", "verify")).toMatchObject({ code: 0 });
  });
});
