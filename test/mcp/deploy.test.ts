import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Harness } from "../helpers/mcp.js";
import { depsWithLogFile, filesContaining, listDirs, sampleCmdlines, slowDown, snapshotFiles } from "../helpers/deploy-checks.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { sleep } from "../lab/run.js";

const ASSET = "picoclaw_Linux_x86_64.tar.gz";
const KEY_ENV = "PCF_DEPLOY_TEST_KEY";
const KEY = `sk-ant-lab-${randomBytes(12).toString("hex")}`;
/** PicoClaw's own directory in a home: the only place the API key may be written. */
const PICOCLAW_DIR = ".picoclaw";

let lab: Lab;
let rel: ReleaseServer;
const opened: { h: Harness; closeLog(): void }[] = [];

interface Opened {
  h: Harness;
  readLog(): string;
}

/** A server and client around a fresh config (own release cache unless given), logging at trace to a file. */
async function open(overrides: Record<string, unknown> = {}): Promise<Opened> {
  const path = lab.writeConfig({
    release: { api_url: rel.apiUrl, cache_dir: mkdtempSync(join(lab.dir, "cache-")) },
    defaults: { api_key_env: KEY_ENV },
    ...overrides,
  });
  const built = depsWithLogFile(path, lab.dir);
  const h = await connect(built.deps);
  opened.push({ h, closeLog: built.closeLog });
  return { h, readLog: built.readLog };
}

const host = (name: string): LabHost => lab.hosts.find((x) => x.name === name)!;
const text = (res: { content?: unknown }): string => ((res.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");

async function sshOk(h: LabHost, command: string): Promise<string> {
  const res = await lab.ssh(h, command);
  expect(res.code, `${h.name}: ${command}: ${res.stderr}`).toBe(0);
  return res.stdout;
}

beforeAll(async () => {
  process.env[KEY_ENV] = KEY;
  [lab, rel] = await Promise.all([startLab({ hosts: 32, hostsPerSshd: 10, refusing: true }), startReleaseServer()]);
}, 120_000);

afterAll(async () => {
  for (const o of opened) {
    await o.h.close();
    o.closeLog();
  }
  await rel?.stop();
  await lab?.stop();
  delete process.env[KEY_ENV];
});

describe("deploy_host", () => {
  const three = ["h01", "h02", "h03"];
  let main: Opened;
  beforeAll(async () => {
    main = await open();
  });

  it("installs 0.2.9 on three hosts: the binary runs, the key sits in 0600 files under ~/.picoclaw only, sha256 is the release's", async () => {
    const results = await Promise.all(three.map((name) => main.h.call("deploy_host", { host: name })));
    for (const [i, res] of results.entries()) {
      expect(res.isError, text(res)).toBeFalsy();
      const h = host(three[i]!);
      expect(res.structuredContent).toMatchObject({
        host: h.name,
        version: "0.2.9",
        arch: "amd64",
        asset: ASSET,
        sha256: rel.sha256("v0.2.9", ASSET),
        path: `${h.home}/.local/bin/picoclaw`,
        onboarded: true,
        action: "installed",
      });
      expect(text(res)).toMatch(new RegExp(`^${h.name}: picoclaw 0\\.2\\.9 installed at ${h.home}/\\.local/bin/picoclaw, amd64, ${ASSET} sha256 [0-9a-f]{12}…, onboarded, in \\d+\\.\\d s$`));

      expect(await sshOk(h, "~/.local/bin/picoclaw version")).toMatch(/🦞 picoclaw 0\.2\.9 \(git: [0-9a-f]{7}\)/);
      const modes = await sshOk(h, "stat -c '%a %n' ~/.picoclaw/config.json ~/.picoclaw/.security.yml ~/.local/bin/picoclaw");
      expect(modes.trim().split("\n").map((l) => l.split(" ")[0])).toEqual(["600", "600", "755"]);
      expect(await sshOk(h, "cat ~/.picoclaw/.security.yml")).toContain(KEY);
      expect(await sshOk(h, "cat ~/.picoclaw/config.json")).not.toContain(KEY);
      // PicoClaw itself (the stand-in reads its config as 0.2.9 would) finds a key for its model.
      expect(await sshOk(h, "~/.local/bin/picoclaw agent -m 'hello fleet'")).toMatch(/\n🦞 hello fleet\n$/);
      expect(filesContaining(h.home, KEY, [PICOCLAW_DIR])).toEqual([]);
      // PicoClaw reads no .env: the key is in one file only (write_env_file is off).
      expect(filesContaining(join(h.home, PICOCLAW_DIR), KEY).sort()).toEqual([".security.yml"]);
      expect(readdirSync(join(h.home, ".picoclaw-fleet/staging"))).toEqual([]);
    }
  });

  it("reports unchanged on a second deploy and touches nothing on the host (binary mtime and every file kept)", async () => {
    const before = three.map((name) => snapshotFiles(host(name).home));
    const downloads = rel.downloads.get(`v0.2.9/${ASSET}`);
    const results = await Promise.all(three.map((name) => main.h.call("deploy_host", { host: name })));
    for (const [i, res] of results.entries()) {
      expect(res.structuredContent).toMatchObject({ host: three[i], action: "unchanged", version: "0.2.9", sha256: rel.sha256("v0.2.9", ASSET), onboarded: false });
      expect(snapshotFiles(host(three[i]!).home)).toEqual(before[i]);
    }
    expect(rel.downloads.get(`v0.2.9/${ASSET}`)).toBe(downloads);
  });

  it('with version "v0.2.8" installs the other version, says what it replaced and that it went down', async () => {
    const results = await Promise.all(three.map((name) => main.h.call("deploy_host", { host: name, version: "v0.2.8" })));
    for (const [i, res] of results.entries()) {
      const h = host(three[i]!);
      expect(res.structuredContent).toMatchObject({ version: "0.2.8", action: "upgraded", previous_version: "0.2.9", downgraded: true, sha256: rel.sha256("v0.2.8", ASSET) });
      expect(await sshOk(h, "~/.local/bin/picoclaw version")).toMatch(/🦞 picoclaw 0\.2\.8 /);
      expect(await sshOk(h, "~/.local/bin/picoclaw agent -m 'still keyed'")).toMatch(/\n🦞 still keyed\n$/);
      expect(filesContaining(h.home, KEY, [PICOCLAW_DIR])).toEqual([]);
    }
    const back = await main.h.call("deploy_host", { host: "h01", version: "v0.2.9" });
    expect(back.structuredContent).toMatchObject({ action: "upgraded", previous_version: "0.2.8" });
    expect(back.structuredContent.downgraded).toBeUndefined();
  });

  it("keeps the API key out of every process's cmdline on the machine, the server's trace log and the tool result", async () => {
    const o = await open();
    const h = host("h04");
    const sampler = sampleCmdlines(lab.dir, statSync(h.home).uid, [KEY, "canary-argv-7f3a"]);
    await sleep(100);
    // The positive control: a process that does carry a needle in its argv is seen.
    await lab.ssh(h, "sh -c 'sleep 0.3' canary-argv-7f3a");
    const first = await o.h.call("deploy_host", { host: h.name });
    const again = await o.h.call("deploy_host", { host: h.name, force: true, version: "v0.2.8" });
    const report = await sampler.stop();
    expect(first.structuredContent).toMatchObject({ action: "installed" });
    expect(again.structuredContent).toMatchObject({ action: "upgraded" });
    expect(report.hits["canary-argv-7f3a"]!.length).toBeGreaterThan(0);
    expect(report.scans).toBeGreaterThan(20);
    expect(report.commands.some((c) => c.includes("sftp-server"))).toBe(true);
    expect(report.hits[KEY]).toEqual([]);
    const log = o.readLog();
    expect(log).toMatch(/"msg":"deployed"/);
    expect(log).toMatch(/"level":(10|20)/);
    expect(log).not.toContain(KEY);
    expect(text(first) + text(again) + JSON.stringify([first.structuredContent, again.structuredContent])).not.toContain(KEY);
  });

  it("sends progress notifications for resolve, download, verify, upload, install and onboard, in order", async () => {
    const o = await open();
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const res = await o.h.call("deploy_host", { host: "h07" }, { onprogress: (p) => seen.push(p) });
    expect(res.isError, text(res)).toBeFalsy();
    expect(seen.map((p) => /^h07: (\w+)/.exec(p.message ?? "")?.[1])).toEqual(["resolve", "download", "verify", "upload", "install", "onboard"]);
    expect(seen.map((p) => `${p.progress}/${p.total}`)).toEqual(["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"]);
  });

  it("refuses a corrupted archive before upload: a checksum-mismatch error, nothing on the host, nothing cached", async () => {
    const bad = await startReleaseServer();
    try {
      bad.corrupt("v0.2.9", ASSET);
      const cache = mkdtempSync(join(lab.dir, "cache-"));
      const o = await open({ release: { api_url: bad.apiUrl, cache_dir: cache } });
      const h = host("h05");
      const before = snapshotFiles(h.home);
      const res = await o.h.call("deploy_host", { host: h.name });
      expect(res.isError).toBe(true);
      expect(text(res)).toMatch(new RegExp(`^Checksum mismatch for ${ASSET}: expected ${bad.sha256("v0.2.9", ASSET)}, got [0-9a-f]{64}; the download was discarded`));
      expect(bad.downloads.get(`v0.2.9/${ASSET}`)).toBe(1);
      expect(snapshotFiles(h.home)).toEqual(before);
      expect(existsSync(join(h.home, ".picoclaw-fleet"))).toBe(false);
      expect(existsSync(join(h.home, ".local/bin/picoclaw"))).toBe(false);
      expect(readdirSync(join(cache, "v0.2.9"))).toEqual([]);
    } finally {
      await bad.stop();
    }
  });

  it("fails before any host is touched when the API key env var is missing, naming the variable", async () => {
    const o = await open({ defaults: { api_key_env: "PCF_DEPLOY_TEST_NO_SUCH_KEY" } });
    const h = host("h06");
    const before = snapshotFiles(h.home);
    const res = await o.h.call("deploy_host", { host: h.name });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/^PCF_DEPLOY_TEST_NO_SUCH_KEY is not set: PicoClaw on the hosts needs the anthropic API key\. Export PCF_DEPLOY_TEST_NO_SUCH_KEY/);
    expect(o.h.deps.fleet.stats()).toEqual({ connects: 0, execs: 0 });
    expect(snapshotFiles(h.home)).toEqual(before);
  });

  it("deploys 20 hosts of one arch at once with one download of the archive", async () => {
    const o = await open();
    const names = lab.hosts.slice(10, 30).map((x) => x.name);
    const key = `v0.2.9/${ASSET}`;
    const downloadsBefore = rel.downloads.get(key) ?? 0;
    const results = await Promise.all(names.map((name) => o.h.call("deploy_host", { host: name })));
    for (const res of results) expect(res.structuredContent, text(res)).toMatchObject({ action: "installed", version: "0.2.9" });
    expect((rel.downloads.get(key) ?? 0) - downloadsBefore).toBe(1);
    const versions = await Promise.all(names.map((name) => sshOk(host(name), "~/.local/bin/picoclaw version")));
    for (const v of versions) expect(v).toMatch(/picoclaw 0\.2\.9/);
  }, 120_000);
});

/** Entries of a directory of a host's home, as root; none when it does not exist. */
function entries(h: LabHost, dir: string): string[] {
  return existsSync(join(h.home, dir)) ? readdirSync(join(h.home, dir)) : [];
}

/**
 * Calls deploy_host and aborts the call's signal the moment `now()` sees the host mid-step (polled
 * every 5 ms); then waits until the server has finished with the call, which its log tells.
 */
async function deployCancelledWhen(o: Opened, name: string, now: () => boolean): Promise<{ error: unknown; log: string; abortedAfterMs: number }> {
  const ended = () => (o.readLog().match(/"tool":"deploy_host".*"msg":"tool (done|failed)"/g) ?? []).length;
  const endedBefore = ended();
  const ac = new AbortController();
  const started = Date.now();
  let abortedAfterMs = -1;
  const watch = setInterval(() => {
    if (!ac.signal.aborted && now()) {
      abortedAfterMs = Date.now() - started;
      ac.abort();
    }
  }, 5);
  const error = await o.h.call("deploy_host", { host: name }, { signal: ac.signal }).then(() => undefined, (err: unknown) => err);
  clearInterval(watch);
  // The client gave up at once; the server still cleans up. Its log says when the handler ended.
  const deadline = Date.now() + 20_000;
  while (ended() === endedBefore && Date.now() < deadline) await sleep(50);
  return { error, log: o.readLog(), abortedAfterMs };
}

/** No process of the host's user is left but its SSH session and SFTP server. */
async function onlySshLeft(h: LabHost): Promise<void> {
  await expect.poll(async () => (await lab.processes(h)).filter((p) => !/^sshd|sftp-server|throttle\.py/.test(p.cmd)).map((p) => p.cmd), { timeout: 5000 }).toEqual([]);
}

describe("deploy_host cancellation", () => {
  it("cancelled mid-upload on a fresh host: no binary, no staged or half-uploaded file, no process left", async () => {
    const o = await open();
    const h = host("h08");
    await slowDown(lab, h, { upload: true, unpack: false });
    const before = snapshotFiles(h.home);
    const dirsBefore = listDirs(h.home);
    const halfUploaded = () => entries(h, ".picoclaw-fleet/staging").some((f) => f.includes(".tmp-") && statSync(join(h.home, ".picoclaw-fleet/staging", f)).size > 0);
    const { error, log, abortedAfterMs } = await deployCancelledWhen(o, h.name, halfUploaded);
    expect(abortedAfterMs, "the upload was never seen half done").toBeGreaterThan(0);
    expect(String(error)).toMatch(/abort/i);
    expect(log).toMatch(/"err":"Deploy to h08 cancelled before anything was replaced"/);
    expect(snapshotFiles(h.home)).toEqual(before);
    // What may stay: the directories the upload created, empty.
    const added = listDirs(h.home).filter((d) => !dirsBefore.includes(d));
    expect(added).toEqual([".picoclaw-fleet", ".picoclaw-fleet/staging"]);
    expect(entries(h, ".picoclaw-fleet/staging")).toEqual([]);
    await onlySshLeft(h);
  });

  it("cancelled mid-unpack over 0.2.8: every file of the host, binary and config included, is as it was", async () => {
    const o = await open();
    const h = host("h09");
    expect((await o.h.call("deploy_host", { host: h.name, version: "v0.2.8" })).structuredContent).toMatchObject({ action: "installed" });
    await slowDown(lab, h, { upload: false, unpack: true });
    const before = snapshotFiles(h.home);
    const dirsBefore = listDirs(h.home);
    const unpacking = () => entries(h, ".local/bin").some((f) => f.startsWith(".picoclaw-install."));
    const { error, log, abortedAfterMs } = await deployCancelledWhen(o, h.name, unpacking);
    expect(abortedAfterMs, "the unpack was never seen under way").toBeGreaterThan(0);
    expect(String(error)).toMatch(/abort/i);
    expect(log).toMatch(/"err":"Deploy to h09 cancelled before anything was replaced"/);
    expect(snapshotFiles(h.home)).toEqual(before);
    expect(listDirs(h.home)).toEqual(dirsBefore);
    expect(await sshOk(h, "~/.local/bin/picoclaw version")).toMatch(/picoclaw 0\.2\.8 /);
    await onlySshLeft(h);
  });
});

describe("deploy_host over a v0.2.2 config", () => {
  it('onboards a fresh host only: a second deploy over an existing config never meets "Overwrite? (y/n)" and keeps the config', async () => {
    const old = await startReleaseServer({ versions: ["v0.2.2", "v0.2.9"] });
    try {
      const o = await open({ release: { api_url: old.apiUrl, cache_dir: mkdtempSync(join(lab.dir, "cache-")) } });
      const h = host("h10");
      const first = await o.h.call("deploy_host", { host: h.name, version: "v0.2.2" });
      expect(first.structuredContent, text(first)).toMatchObject({ version: "0.2.2", action: "installed", onboarded: true });
      // A setting of the user's own, which an overwrite by onboard would lose.
      await sshOk(h, `python3 -c 'import json,os; p=os.path.expanduser("~/.picoclaw/config.json"); c=json.load(open(p)); c["heartbeat"]["interval"]=77; json.dump(c,open(p,"w"))'`);
      const started = Date.now();
      const again = await o.h.call("deploy_host", { host: h.name, version: "v0.2.2", force: true });
      const ms = Date.now() - started;
      expect(again.structuredContent, text(again)).toMatchObject({ version: "0.2.2", action: "upgraded", onboarded: false });
      expect(ms).toBeLessThan(15_000);
      const config = JSON.parse(await sshOk(h, "cat ~/.picoclaw/config.json"));
      expect(config.heartbeat.interval).toBe(77);
      expect(config.model_list.find((m: { model_name: string }) => m.model_name === config.agents.defaults.model_name).api_key).toBe(KEY);
      expect(await sshOk(h, "~/.local/bin/picoclaw onboard </dev/null")).toContain("Overwrite? (y/n): Aborted.");
      expect(await sshOk(h, "~/.local/bin/picoclaw agent -m 'old but keyed'")).toMatch(/\n🦞 old but keyed\n$/);
    } finally {
      await old.stop();
    }
  });
});

describe("teardown", () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open();
  });

  it("removes the binary, the launcher and the key files, reports each, and keeps the workspace", async () => {
    const h = host("h01");
    const res = await o.h.call("teardown", { hosts: [h.name] });
    expect(res.isError, text(res)).toBeFalsy();
    expect(res.structuredContent).toEqual({
      results: [{ host: "h01", status: "succeeded", removed: ["~/.local/bin/picoclaw", "~/.local/bin/picoclaw-launcher", "~/.picoclaw/config.json", "~/.picoclaw/.security.yml"] }],
    });
    expect((await lab.ssh(h, "command -v picoclaw || ls ~/.local/bin/picoclaw")).code).not.toBe(0);
    expect(filesContaining(h.home, KEY)).toEqual([]);
    expect(existsSync(join(h.home, ".picoclaw/workspace/AGENT.md"))).toBe(true);
  });

  it("with purge also removes ~/.picoclaw and ~/.picoclaw-fleet", async () => {
    const h = host("h02");
    const res = await o.h.call("teardown", { hosts: [h.name], purge: true });
    expect(res.structuredContent.results[0]).toMatchObject({ host: "h02", status: "succeeded" });
    expect(res.structuredContent.results[0].removed).toEqual(expect.arrayContaining(["~/.local/bin/picoclaw", "~/.picoclaw", "~/.picoclaw-fleet"]));
    expect(await sshOk(h, "ls -A ~; ls -A ~/.local/bin")).not.toMatch(/picoclaw/);
  });

  it("succeeds with removed [] on a host where nothing is installed", async () => {
    const res = await o.h.call("teardown", { hosts: ["h31"], purge: true });
    expect(res.structuredContent).toEqual({ results: [{ host: "h31", status: "succeeded", removed: [] }] });
  });

  it("tears several hosts down at once, each its own row, an unreachable host included", async () => {
    const res = await o.h.call("teardown", { hosts: ["h03", "refusing", "h32"] });
    expect(res.isError, text(res)).toBeFalsy();
    const [h03, refusing, h32] = res.structuredContent.results;
    expect(h03).toMatchObject({ host: "h03", status: "succeeded" });
    expect(h03.removed).toContain("~/.local/bin/picoclaw");
    expect(refusing).toMatchObject({ host: "refusing", status: "unreachable", removed: [] });
    expect(refusing.error).toMatch(/refused/i);
    expect(h32).toEqual({ host: "h32", status: "succeeded", removed: [] });
    expect(existsSync(join(host("h03").home, ".local/bin/picoclaw"))).toBe(false);
  });
});
