import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { extractReply } from "../../src/picoclaw/reply.js";
import { startModelApi, type ModelApi } from "../lab/model-api.js";
import { freshHome, realPicoclawBin, runPicoclaw, writeModelConfig, type PicoclawRun } from "../lab/picoclaw-run.js";
import { standinSource } from "../lab/release-assets.js";

// The same cases against the stand-in `picoclaw` (as the release server packages it) and the real
// v0.2.9 binary: the real one is the judge. They compare form and behaviour, not answers (the
// model-API stand-in echoes, so both reply with the message anyway).
const KEY = "sk-ant-conformance-0123456789";
let api: ModelApi;
let standin: string;
const dirs: string[] = [];
beforeAll(async () => {
  api = await startModelApi({ keys: [KEY] });
  const dir = await mkdtemp(join(tmpdir(), "standin-bin-"));
  dirs.push(dir);
  standin = join(dir, "picoclaw");
  await writeFile(standin, await standinSource("picoclaw", "0.2.9", "amd64"));
  await chmod(standin, 0o755);
});
afterAll(async () => {
  await api.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
afterEach(async () => {
  await Promise.all(dirs.splice(1).map((d) => rm(d, { recursive: true, force: true })));
});

const BANNER = "\r\n██████╗ ██╗ ██████╗ ██████╗ ";
const LOG_LINE = /^\d\d:\d\d:\d\d (INF|WRN|ERR) /m;

describe.each([
  ["stand-in", async () => standin],
  ["real", realPicoclawBin],
])("conformance: %s picoclaw v0.2.9", (_name, bin) => {
  /** A fresh HOME, and `picoclaw` run in it; `configured` writes a working model entry. */
  async function home(configured = true) {
    const dir = await freshHome();
    dirs.push(dir);
    if (configured) await writeModelConfig(dir, { provider: "anthropic", model: "claude-sonnet-4-6", apiBase: api.url, key: KEY });
    const picoclaw = async (args: string[], env?: Record<string, string>): Promise<PicoclawRun> => runPicoclaw(await bin(), dir, args, { env });
    return { dir, picoclaw, file: (path: string) => readFile(join(dir, ".picoclaw", path), "utf8") };
  }

  it("version: banner, then 🦞 picoclaw <ver> (git: <sha>) and the Go line", async () => {
    const run = await (await home(false)).picoclaw(["version"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.startsWith(BANNER)).toBe(true);
    const lines = run.stdout.slice(run.stdout.indexOf("🦞")).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^🦞 picoclaw 0\.2\.9 \(git: [0-9a-f]{7}\)$/);
    expect(lines.at(-1)).toMatch(/^ {2}Go: go\d/);
    for (const line of lines.slice(1, -1)) expect(line).toMatch(/^ {2}Build: /); // unstamped builds have none
  });

  it("onboard on a fresh HOME: config v3 with the broken claude-sonnet-4.6 entry, keys file, workspace", async () => {
    const { dir, picoclaw, file } = await home(false);
    const run = await picoclaw(["onboard"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.slice(run.stdout.indexOf("\n🦞"))).toBe(
      `\n🦞 picoclaw is ready!\n\nNext steps:\n  1. Add your API key to ${join(dir, ".picoclaw", "config.json")}\n\n` +
        "     Recommended:\n     - OpenRouter: https://openrouter.ai/keys (access 100+ models)\n     - Ollama:     https://ollama.com (local, free)\n\n" +
        '     See README.md for 17+ supported providers.\n\n  2. Chat: picoclaw agent -m "Hello!"\n',
    );
    const config = JSON.parse(await file("config.json"));
    expect(config.version).toBe(3);
    expect(config.model_list).toContainEqual(expect.objectContaining({ model_name: "claude-sonnet-4.6", provider: "anthropic", model: "claude-sonnet-4.6" }));
    expect(await file(".security.yml")).toMatch(/^ {2}claude-sonnet-4\.6:0: \{\}$/m);
    for (const path of ["AGENT.md", "SOUL.md", "USER.md", "memory/MEMORY.md", "skills/weather/SKILL.md"]) {
      expect(await file(`workspace/${path}`)).not.toBe("");
    }
  });

  it("onboard on an existing config keeps its values and keys, rewrites the templates, keeps other files", async () => {
    const { dir, picoclaw, file } = await home(false);
    await picoclaw(["onboard"]);
    const config = JSON.parse(await file("config.json"));
    config.agents.defaults.max_tokens = 1234;
    await writeFile(join(dir, ".picoclaw", "config.json"), JSON.stringify(config));
    await writeFile(join(dir, ".picoclaw", ".security.yml"), "model_list:\n  glm-4.7:0:\n    api_keys:\n      - sk-mine\n");
    for (const path of ["AGENT.md", "memory/MEMORY.md", "notes.md"]) await writeFile(join(dir, ".picoclaw", "workspace", path), "mine\n");
    expect(await picoclaw(["onboard"])).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(await file("config.json")).agents.defaults.max_tokens).toBe(1234);
    expect(await file(".security.yml")).toMatch(/ {2}glm-4\.7:0:\n {4}api_keys:\n {6}- sk-mine\n/);
    expect(await file("workspace/AGENT.md")).not.toBe("mine\n");
    expect(await file("workspace/memory/MEMORY.md")).not.toBe("mine\n");
    expect(await file("workspace/notes.md")).toBe("mine\n");
  });

  it("agent -m: the reply after the marker, exit 0, no log lines at the default level", async () => {
    const run = await (await home()).picoclaw(["agent", "-m", "conform"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.startsWith(BANNER)).toBe(true);
    expect(run.stdout.endsWith("\n🦞 conform\n")).toBe(true);
    expect(run.stdout).not.toMatch(LOG_LINE);
  });

  it("errors: exit 1 and the same Error: line on stderr for a missing key and an unknown model name", async () => {
    const { dir, picoclaw } = await home();
    expect(await picoclaw(["agent", "-m", "hi", "--model", "nope"])).toMatchObject({
      code: 1,
      stderr: 'Error: error creating provider: model "nope" not found in model_list: model "nope" not found in model_list or providers\n',
    });
    await writeModelConfig(dir, { provider: "anthropic", model: "claude-sonnet-4-6", apiBase: api.url });
    expect(await picoclaw(["agent", "-m", "hi"])).toMatchObject({
      code: 1,
      stderr: 'Error: error creating provider: failed to create provider for model "worker": api_key is required for anthropic protocol (model: claude-sonnet-4-6)\n',
    });
  });

  it("sessions: agent: keys are their own, any other key is the default conversation's", async () => {
    const { picoclaw } = await home();
    const routed = async (...session: string[]) => {
      const run = await picoclaw(["agent", "-m", "hi", ...session], { PICOCLAW_LOG_LEVEL: "info" });
      expect(extractReply(run.stdout)).toBe("hi");
      return / > Routed message .*\bsession_key=(\S+)/.exec(run.stdout)?.[1];
    };
    const shared = await routed();
    expect(shared).toMatch(/^sk_v1_[0-9a-f]{64}$/);
    expect(await routed("--session", "agent:xyz")).toBe("agent:xyz");
    expect(await routed("--session", "sk_v1_abc")).toBe("sk_v1_abc");
    expect(await routed("--session", "xyz")).toBe(shared);
    expect(await routed("-s", "cli:other")).toBe(shared);
  });

  it("PICOCLAW_LOG_FILE (at level info) moves the JSON log lines off stdout", async () => {
    const { dir, picoclaw } = await home();
    const loud = await picoclaw(["agent", "-m", "hi"], { PICOCLAW_LOG_LEVEL: "info" });
    expect(loud.stdout).toMatch(/^\d\d:\d\d:\d\d INF agent \S+ > Agent initialized/m);
    const run = await picoclaw(["agent", "-m", "hi"], { PICOCLAW_LOG_LEVEL: "info", PICOCLAW_LOG_FILE: "~/logs/picoclaw.log" });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).not.toMatch(LOG_LINE);
    expect(extractReply(run.stdout)).toBe("hi");
    const lines = (await readFile(join(dir, "logs", "picoclaw.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    for (const line of lines) expect(Object.keys(line)).toEqual(expect.arrayContaining(["level", "component", "time", "caller", "message"]));
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(["Agent initialized", "Routed message", "Response: hi"]));
  });
});
