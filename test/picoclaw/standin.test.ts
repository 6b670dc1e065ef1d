import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildRemoteConfig } from "../../src/picoclaw/remote-config.js";
import { compareVersions } from "../../src/picoclaw/version.js";
import { extractReply } from "../../src/picoclaw/reply.js";
import { parseVersionOutput } from "../../src/picoclaw/version.js";
import { standinSource } from "../lab/release-assets.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

type PicoClaw = (args: string[], options?: { stdin?: string; env?: Record<string, string> }) => Promise<Run>;

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The stand-in of `version` in a fresh HOME; runs it with stdin closed unless given. */
async function install(version: string): Promise<{ home: string; bin: string; picoclaw: PicoClaw }> {
  const home = await mkdtemp(join(tmpdir(), "standin-home-"));
  dirs.push(home);
  const bin = join(home, "picoclaw");
  await writeFile(bin, await standinSource("picoclaw", version, "amd64"));
  await chmod(bin, 0o755);
  const picoclaw: PicoClaw = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(bin, args, { env: { PATH: process.env.PATH, HOME: home, NO_COLOR: "1", ...options.env } });
      const out: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.stdin.on("error", () => {}); // EPIPE: it may exit before reading its input
      child.on("close", (code) => {
        const raw = Buffer.concat(out);
        resolve({ code, stdout: raw.toString(), stderr, raw });
      });
      child.stdin.end(options.stdin ?? "");
    });
  return { home, bin, picoclaw };
}

// The deploy path, locally: onboard with stdin closed, config written from what onboard left,
// then `picoclaw agent` must accept the key where that version looks for it.
describe("buildRemoteConfig against the stand-in of each config layout", () => {
  it.each(["0.1.1", "0.2.2", "0.2.4", "0.2.5", "0.2.9"])("v%s: onboard, write the key, dispatch", async (version) => {
    const { home, picoclaw } = await install(version);
    expect(parseVersionOutput((await picoclaw(["version"])).stdout)?.version).toBe(version);
    expect((await picoclaw(["onboard"])).code).toBe(0);

    const refused = await picoclaw(["agent", "-m", "hello"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: error creating provider: /);

    const dir = join(home, ".picoclaw");
    const security = await readFile(join(dir, ".security.yml"), "utf8").catch(() => undefined);
    const files = buildRemoteConfig({
      version,
      configJson: await readFile(join(dir, "config.json"), "utf8"),
      securityYaml: security,
      provider: "anthropic",
      apiKey: "sk-ant-test",
    });
    await writeFile(join(dir, "config.json"), files.configJson, { mode: 0o600 });
    if (files.securityYaml !== null) await writeFile(join(dir, ".security.yml"), files.securityYaml, { mode: 0o600 });
    expect(files.securityYaml === null).toBe(compareVersions(version, "0.2.4") < 0);

    const task = "it's $(echo pwned) `x`\n; rm -rf ~";
    const ok = await picoclaw(["agent", "-m", task]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(extractReply(ok.stdout)).toBe(task);
    expect(await readFile(join(dir, "standin", "last-message"), "utf8")).toBe(task);
  });

  it("v0.2.2 asks before overwriting a config and keeps it when stdin is closed", async () => {
    const { home, picoclaw } = await install("0.2.2");
    await picoclaw(["onboard"]);
    const path = join(home, ".picoclaw", "config.json");
    await writeFile(path, '{"mine": true}');
    const aborted = await picoclaw(["onboard"]);
    expect(aborted.stdout).toContain(`Config already exists at ${path}\nOverwrite? (y/n): Aborted.\n`);
    expect(await readFile(path, "utf8")).toBe('{"mine": true}');
    await picoclaw(["onboard"], { stdin: "y\n" });
    expect(JSON.parse(await readFile(path, "utf8"))).toHaveProperty("model_list");
  });

  it("v0.2.9 keeps an existing config without asking", async () => {
    const { home, picoclaw } = await install("0.2.9");
    await picoclaw(["onboard"]);
    const path = join(home, ".picoclaw", "config.json");
    await writeFile(path, '{"version": 3, "mine": true}');
    const again = await picoclaw(["onboard"]);
    expect(again.stdout).not.toContain("Overwrite?");
    expect(again.stdout).toContain("🦞 picoclaw is ready!");
    expect(await readFile(path, "utf8")).toBe('{"version": 3, "mine": true}');
  });
});

describe("the stand-in's test directives", () => {
  async function ready(): Promise<Awaited<ReturnType<typeof install>>> {
    const installed = await install("0.2.9");
    await installed.picoclaw(["onboard"]);
    const dir = join(installed.home, ".picoclaw");
    const files = buildRemoteConfig({
      version: "0.2.9",
      configJson: await readFile(join(dir, "config.json"), "utf8"),
      securityYaml: await readFile(join(dir, ".security.yml"), "utf8"),
      provider: "anthropic",
      apiKey: "sk-ant-test",
    });
    await writeFile(join(dir, "config.json"), files.configJson);
    await writeFile(join(dir, ".security.yml"), files.securityYaml!);
    return installed;
  }

  /** Live (not zombie) processes of process group `pgid`, as `ps` lines. */
  async function group(pgid: number): Promise<string[]> {
    const { stdout } = await new Promise<{ stdout: string }>((resolve) => {
      const ps = spawn("ps", ["-eo", "pgid=,pid=,stat=,args="]);
      let out = "";
      ps.stdout.on("data", (d: Buffer) => (out += d.toString()));
      ps.on("close", () => resolve({ stdout: out }));
    });
    return stdout.split("\n").filter((l) => {
      const [group, , stat] = l.trim().split(/\s+/);
      return group === String(pgid) && !stat?.startsWith("Z");
    });
  }

  it("prints banner, log lines and the reply, and records each message NUL-terminated", async () => {
    const { home, picoclaw } = await ready();
    const run = await picoclaw(["agent", "-m", "lines 5"]);
    const logLines = run.stdout.split("\n").filter((l) => /^\d\d:\d\d:\d\d INF agent \S+ > /.test(l));
    expect(logLines.filter((l) => / > log line \d of 5$/.test(l))).toHaveLength(5);
    expect(run.stdout.startsWith("\r\n██████╗")).toBe(true);
    expect(extractReply(run.stdout)).toBe("printed 5 lines");
    await picoclaw(["agent", "--message=two\nlines", "--session", "s1"]);
    expect(await readFile(join(home, ".picoclaw", "standin", "received"), "utf8")).toBe("lines 5\0two\nlines\0");
  });

  it("logs to PICOCLAW_LOG_FILE instead of stdout when it is set", async () => {
    const { home, picoclaw } = await ready();
    const run = await picoclaw(["agent", "-m", "lines 2"], { env: { PICOCLAW_LOG_FILE: "~/logs/picoclaw.log" } });
    expect(run.stdout).not.toMatch(/ INF /);
    expect(extractReply(run.stdout)).toBe("printed 2 lines");
    const log = (await readFile(join(home, "logs", "picoclaw.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(log.map((e) => e.message)).toContain("log line 2 of 2");
  });

  it("fails with an error on stderr, and prints binary bytes before a reply", async () => {
    const { picoclaw } = await ready();
    const failed = await picoclaw(["agent", "-m", "fail"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe("Error: error processing message: stand-in failure requested\n");
    const binary = await picoclaw(["agent", "-m", "binary"]);
    expect(binary.raw.includes(Buffer.from([0xff, 0xfe]))).toBe(true);
    expect(binary.raw.includes(0)).toBe(true);
    expect(extractReply(binary.stdout)).toBe("binary ok");
  });

  it("sleep N leaves a child and a grandchild that a process-group kill takes down", async () => {
    const { bin, home } = await ready();
    const child = spawn(bin, ["agent", "-m", "sleep 30"], { env: { PATH: process.env.PATH, HOME: home }, detached: true, stdio: "ignore" });
    const closed = new Promise((resolve) => child.on("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const members = await group(child.pid!);
    expect(members.filter((l) => /\bsleep 30$/.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(members.some((l) => /sh -c sleep 30; :/.test(l))).toBe(true);
    process.kill(-child.pid!, "SIGKILL");
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await group(child.pid!)).toEqual([]);
  });

  it("sleep 1 replies slept 1; flood prints until killed", async () => {
    const { bin, home, picoclaw } = await ready();
    expect(extractReply((await picoclaw(["agent", "-m", "sleep 1"])).stdout)).toBe("slept 1");
    const flood = spawn(bin, ["agent", "-m", "flood"], { env: { PATH: process.env.PATH, HOME: home }, detached: true });
    let bytes = 0;
    await new Promise<void>((resolve) =>
      flood.stdout.on("data", (d: Buffer) => {
        bytes += d.length;
        if (bytes > 1024 * 1024) resolve();
      }),
    );
    process.kill(-flood.pid!, "SIGKILL");
    await new Promise((resolve) => flood.on("close", resolve));
    expect(await group(flood.pid!)).toEqual([]);
  });
});

// The key check is an awk program that replaced a python3 one and prints what it printed; these
// pin the layouts the deploy tests do not write (see the header of the stand-in).
describe("the stand-in's key check", () => {
  async function withConfig(version: string, config: string, security?: string): Promise<Awaited<ReturnType<typeof install>>> {
    const installed = await install(version);
    const dir = join(installed.home, ".picoclaw");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), config);
    if (security !== undefined) await writeFile(join(dir, ".security.yml"), security);
    return installed;
  }

  /** A compact config.json (v0.2.8 layout) whose one entry, anthropic, is named `name` (JSON text). */
  const anthropic = (name: string): string =>
    `{"version":3,"agents":{"defaults":{"model_name":${name}}},"model_list":[{"model_name":${name},"provider":"anthropic","model":"claude"}]}`;

  it("reads compact JSON, as json.dump without indent writes it, and any key style in .security.yml", async () => {
    const { picoclaw } = await withConfig("0.2.9", anthropic('"m"'), "model_list:\n  m:0:\n    api_keys:\n      - sk-plain\n");
    expect(await picoclaw(["agent", "-m", "hi"])).toMatchObject({ code: 0, stderr: "" });
    for (const security of ["model_list:\n  'm:0':\n    api_keys:\n      - 'sk'\n", 'model_list:\n  m:\n    api_keys:\n      - "sk"\n']) {
      const { picoclaw: again } = await withConfig("0.2.9", anthropic('"m"'), security);
      expect(await again(["agent", "-m", "hi"])).toMatchObject({ code: 0, stderr: "" });
    }
    // An entry <name>:0 replaces <name>, even with no keys.
    const { picoclaw: shadowed } = await withConfig("0.2.9", anthropic('"m"'), "model_list:\n  m:0: {}\n  m:\n    api_keys:\n      - sk\n");
    expect((await shadowed(["agent", "-m", "hi"])).stderr).toContain("api_key is required for anthropic protocol");
  });

  it("decodes JSON escapes in names and keys, in config.json and .security.yml alike", async () => {
    const name = String.raw`"m\u00e9 \"q\" \\ \ud83e\udd9e"`;
    const { home, picoclaw } = await withConfig("0.2.9", anthropic(name));
    const refused = await picoclaw(["agent", "-m", "hi"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'Error: error creating provider: failed to create provider for model "mé "q" \\ 🦞": api_key is required for anthropic protocol (model: claude)\n',
    );
    await writeFile(join(home, ".picoclaw", ".security.yml"), String.raw`model_list:
  "m\u00e9 \"q\" \\ 🦞:0":
    api_keys:
      - "sk\u0021"
`);
    expect(await picoclaw(["agent", "-m", "hi"])).toMatchObject({ code: 0, stderr: "" });
    expect((await picoclaw(["agent", "-m", "hi", "--model", "mé \"q\" \\ 🦞"])).code).toBe(0);
  });

  it("tells the protocols apart when there is no key, and follows --model", async () => {
    const config = JSON.stringify({
      agents: { defaults: { model_name: "a" } },
      model_list: [
        { model_name: "a", model: "anthropic/claude", api_key: "" },
        { model_name: "o", model: "openai/gpt" },
        { model_name: "b", model: "gpt", api_base: "https://x" },
        { model_name: "k", model: "openai/gpt", api_key: "sk" },
      ],
    });
    const { picoclaw } = await withConfig("0.2.3", config);
    const stderr = async (model: string): Promise<string> => (await picoclaw(["agent", "-m", "hi", "--model", model])).stderr;
    expect((await picoclaw(["agent", "-m", "hi"])).stderr).toContain('model "a": api_key is required for anthropic protocol (model: anthropic/claude)');
    expect(await stderr("o")).toContain('model "o": api_key or api_base is required for HTTP-based protocol "openai"');
    expect(await stderr("b")).toContain("API request failed:\n  Status: 401\n");
    expect(await stderr("nope")).toContain('model "nope" not found in model_list');
    expect(await stderr("k")).toBe("");
  });

  it("reports a syntax error as PicoClaw does, treats a file of 10 bytes or less as {}, and names a config it cannot use", async () => {
    const { home, picoclaw } = await withConfig("0.2.9", '{"version": 3,}');
    const path = join(home, ".picoclaw", "config.json");
    expect((await picoclaw(["agent", "-m", "hi"])).stderr).toBe(
      "Error: error loading config: config.json syntax error: Expecting property name enclosed in double quotes: line 1 column 15 (char 14)\n",
    );
    await writeFile(path, "{}\n");
    expect((await picoclaw(["agent", "-m", "hi"])).stderr).toMatch(/^Error: error creating provider: model "" not found in model_list/);
    await writeFile(path, '{"agents": [1, 2, 3]}');
    const unusable = await picoclaw(["agent", "-m", "hi"]);
    expect(unusable.code).toBe(1);
    expect(unusable.stderr).toBe(`Error: stand-in: ${path}: agents is not a JSON object\n`);
  });

  it("starts no python3 for agent or version", async () => {
    const { home, picoclaw } = await withConfig("0.2.4", anthropic('"m"'), 'model_list:\n  "m:0":\n    api_keys:\n      - "sk"\n');
    const bin = join(home, "bin");
    await mkdir(bin);
    await writeFile(join(bin, "python3"), "#!/bin/sh\necho 'python3 was started' >&2\nexit 99\n", { mode: 0o755 });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const ok = await picoclaw(["agent", "-m", "hi"], { env });
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(extractReply(ok.stdout)).toBe("hi");
    expect(await picoclaw(["version"], { env })).toMatchObject({ code: 0, stderr: "" });
  });
});

describe("the stand-in's log of the reply", () => {
  it("logs the first 120 bytes of the reply without trailing newlines, and escapes JSON log lines", async () => {
    const { home, picoclaw } = await install("0.2.3");
    const dir = join(home, ".picoclaw");
    await mkdir(dir);
    await writeFile(join(dir, "config.json"), JSON.stringify({ model_list: [{ model_name: "", model: "x", api_key: "sk" }] }));
    const response = (stdout: string): string | undefined => /^\d\d:\d\d:\d\d INF agent \S+ > (Response: [^]*) session_key=cli:default$/m.exec(stdout)?.[1];

    const long = "é".repeat(70); // 140 bytes
    expect(response((await picoclaw(["agent", "-m", long])).stdout)).toBe(`Response: ${"é".repeat(60)}`);
    const odd = "a \"b\" \\ c\td\n\n";
    expect(response((await picoclaw(["agent", "-m", odd])).stdout)).toBe('Response: a "b" \\ c\td');

    const quoted = 'a "b"\tc \\ d\n';
    const logged = await picoclaw(["agent", "-m", quoted], { env: { PICOCLAW_LOG_FILE: "~/logs/deep/picoclaw.log" } });
    expect(extractReply(logged.stdout)).toBe(quoted);
    const lines = (await readFile(join(home, "logs", "deep", "picoclaw.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.message)).toEqual(["Agent initialized", "Routed message", 'Response: a "b"\tc \\ d']);
    expect(new Set(lines.map((l) => l.time)).size).toBe(1);
  });
});
