import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slowDown } from "../helpers/deploy-checks.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "dist", "cli.js");
const ASSET = "picoclaw_Linux_x86_64.tar.gz";
const KEY_ENV = "PCF_CLI_DEPLOY_KEY";
const KEY = `sk-ant-cli-${randomBytes(12).toString("hex")}`;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI with the key env var set (unless `env` says otherwise), colours off. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", [KEY_ENV]: KEY, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

let lab: Lab;
let rel: ReleaseServer;
let config: string;

const host = (name: string): LabHost => lab.hosts.find((h) => h.name === name)!;
const installed = (name: string): boolean => existsSync(join(host(name).home, ".local/bin/picoclaw"));
/** A config of the lab's hosts with its own release cache. */
const writeConfig = (defaults: Record<string, unknown> = {}): string =>
  lab.writeConfig({ release: { api_url: rel.apiUrl, cache_dir: mkdtempSync(join(lab.dir, "cache-")) }, defaults: { api_key_env: KEY_ENV, ...defaults } });

beforeAll(async () => {
  // The CLI under test is dist/: it must be built from the current verbs and operations.
  for (const file of ["cli/deploy", "cli/teardown", "operations/deploy", "operations/deploy-scripts", "operations/teardown"]) {
    expect(statSync(join(ROOT, "dist", `${file}.js`)).mtimeMs, `dist/${file}.js is stale: run npm run build`).toBeGreaterThanOrEqual(statSync(join(ROOT, "src", `${file}.ts`)).mtimeMs);
  }
  [lab, rel] = await Promise.all([startLab({ hosts: 10, hostsPerSshd: 10, refusing: true }), startReleaseServer()]);
  config = writeConfig();
}, 120_000);

afterAll(async () => {
  await rel?.stop();
  await lab?.stop();
});

describe("picoclaw-fleet deploy", () => {
  it("deploys two hosts, prints a table row each and exits 0; a second run says unchanged in JSON", async () => {
    const run = await cli(["deploy", "h01", "h02", "--config", config]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^HOST\s+RESULT\s+VERSION\s+ARCH\s+SHA256\s+TIME\s+DETAILS$/);
    for (const name of ["h01", "h02"]) {
      const row = lines.find((l) => l.startsWith(`${name} `));
      expect(row).toMatch(new RegExp(`^${name}\\s+installed\\s+0\\.2\\.9\\s+amd64\\s+${rel.sha256("v0.2.9", ASSET).slice(0, 12)}\\s+\\d+\\.\\d s\\s+${host(name).home}/\\.local/bin/picoclaw$`));
      expect(installed(name)).toBe(true);
    }
    expect(run.stdout).toMatch(/\n2\/2 deployed \(\d+\.\d s\)\n$/);
    expect(run.stdout + run.stderr).not.toContain(KEY);

    const again = await cli(["deploy", "h01", "h02", "--json", "--config", config]);
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out.results.map((r: { host: string; status: string; action: string }) => [r.host, r.status, r.action])).toEqual([
      ["h01", "succeeded", "unchanged"],
      ["h02", "succeeded", "unchanged"],
    ]);
    expect(out.summary).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
  });

  it("exits 1 when one host fails, the others still deployed: each its own row", async () => {
    const run = await cli(["deploy", "h01", "refusing", "--version", "v0.2.8", "--json", "--config", config]);
    expect(run.code).toBe(1);
    const [h01, refusing] = JSON.parse(run.stdout).results;
    expect(h01).toMatchObject({ host: "h01", status: "succeeded", action: "upgraded", version: "0.2.8", previous_version: "0.2.9", downgraded: true });
    expect(refusing).toMatchObject({ host: "refusing", status: "failed" });
    expect(refusing.error).toMatch(/^Cannot deploy to refusing: refused: /);
  });

  it("stops before touching any host when the key env var is missing, naming it", async () => {
    const run = await cli(["deploy", "h03", "--config", config], { [KEY_ENV]: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`${KEY_ENV} is not set`));
    expect(run.stdout).toBe("");
    expect(installed("h03")).toBe(false);
  });

  it("runs hosts concurrently, at most defaults.concurrency at a time", async () => {
    // Each of these hosts' tar starts 3 s late: six hosts take one 3 s round at once, three rounds at concurrency 2.
    const slow = ["h04", "h05", "h06", "h07", "h09", "h10"];
    for (const name of slow) await slowDown(lab, host(name), { upload: false, unpack: true });
    const before = rel.downloads.get(`v0.2.9/${ASSET}`) ?? 0;
    const wide = await cli(["deploy", ...slow, "--json", "--config", writeConfig()]);
    const downloads = (rel.downloads.get(`v0.2.9/${ASSET}`) ?? 0) - before;
    const narrow = await cli(["deploy", ...slow, "--force", "--json", "--config", writeConfig({ concurrency: 2 })]);
    expect(wide.code, wide.stderr).toBe(0);
    expect(narrow.code, narrow.stderr).toBe(0);
    // Three rounds of at least 3 s each at concurrency 2; all at once, at least two rounds fewer.
    expect(narrow.ms).toBeGreaterThanOrEqual(9000);
    expect(wide.ms).toBeLessThan(narrow.ms - 3000);
    expect(downloads).toBe(1);
    expect(JSON.parse(narrow.stdout).results.map((r: { action: string }) => r.action)).toEqual(slow.map(() => "upgraded"));
  }, 60_000);

  it("draws a progress bar on stderr when it is a terminal", async () => {
    const tty = await new Promise<CliRun>((resolve, reject) => {
      const started = Date.now();
      // script(1) gives the CLI a pseudo-terminal for stdout and stderr; stty gives it a width.
      const command = `stty cols 120; ${process.execPath} ${CLI} deploy h08 --config ${config}`;
      const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", [KEY_ENV]: KEY } });
      let stdout = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr: "", ms: Date.now() - started }));
    });
    expect(tty.code, tty.stdout).toBe(0);
    for (const step of ["resolve", "download", "verify", "upload", "install", "onboard"]) expect(tty.stdout).toMatch(new RegExp(`\r\u001b\\[2Kdeploying \\[-{24}\\] 0/1 h08: ${step}`));
    expect(tty.stdout).toMatch(/\r\u001b\[2Kdeploying \[#{24}\] 1\/1 h08 installed/);
    expect(tty.stdout).toMatch(/h08\s+installed\s+0\.2\.9/);
  });
});

describe("picoclaw-fleet teardown", () => {
  it("tears several hosts down with --purge, a row each, and exits 1 for the unreachable one", async () => {
    const run = await cli(["teardown", "h01", "h02", "refusing", "--purge", "--config", config]);
    expect(run.code).toBe(1);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^HOST\s+STATUS\s+REMOVED$/);
    expect(lines.find((l) => l.startsWith("h01 "))).toMatch(/^h01\s+succeeded\s+~\/\.local\/bin\/picoclaw, ~\/\.local\/bin\/picoclaw-launcher, .*~\/\.picoclaw, ~\/\.picoclaw-fleet$/);
    expect(lines.find((l) => l.startsWith("h02 "))).toMatch(/^h02\s+succeeded\s+~\/\.local\/bin\/picoclaw,/);
    expect(lines.find((l) => l.startsWith("refusing "))).toMatch(/^refusing\s+unreachable\s+.*refused/i);
    expect(run.stdout).toMatch(/\n2\/3 torn down\n$/);
    for (const name of ["h01", "h02"]) {
      expect(installed(name)).toBe(false);
      expect(existsSync(join(host(name).home, ".picoclaw"))).toBe(false);
    }
  });

  it("succeeds with nothing removed on a host where nothing is installed (JSON), exit 0", async () => {
    const run = await cli(["teardown", "h03", "--json", "--config", config]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ results: [{ host: "h03", status: "succeeded", removed: [] }] });
  });

  it("refuses a host that is not in the config, and no host at all, with exit 1", async () => {
    const unknown = await cli(["teardown", "nope", "--config", config]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown host "nope"/);
    const none = await cli(["teardown", "--config", config]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Usage: picoclaw-fleet teardown <host…>/);
  });
});
