import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderStrip } from "../../src/cli/led-view.js";
import { connect, depsFor } from "../helpers/mcp.js";
import { startLedApi, type LedApi } from "../lab/led-api.js";
import { startOpenAiServer, type OpenAiServer } from "../lab/openai-server.js";
import { closedPort } from "../lab/net.js";

const ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(ROOT, "dist", "cli.js");
const REPLY = "Hello from the stand-in crush server, streaming word by word.";
const dir = mkdtempSync(join(tmpdir(), "led-infer-"));

/** One run of the built CLI: exit code, both streams, and when each stdout chunk came. */
interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  chunks: { at: number; text: string }[];
  exitedAt: number;
}

function runCli(args: string[], onStdout?: (child: ChildProcess, text: string) => void): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  const run: CliRun = { code: null, stdout: "", stderr: "", chunks: [], exitedAt: 0 };
  child.stdout!.on("data", (c: Buffer) => {
    run.stdout += c.toString();
    run.chunks.push({ at: performance.now(), text: c.toString() });
    onStdout?.(child, c.toString());
  });
  child.stderr!.on("data", (c: Buffer) => (run.stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ ...run, code, exitedAt: performance.now() }));
  });
}

let configs = 0;
function writeConfig(config: object): string {
  const path = join(dir, `fleet-${++configs}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

// The newest mtime under a directory, to tell a stale dist/ from a fresh one.
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

beforeAll(() => {
  const built = statSync(CLI, { throwIfNoEntry: false });
  if (!built || built.mtimeMs < newest(join(ROOT, "src"))) throw new Error("dist/cli.js is missing or older than src/: run `npm run build` first");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Px = { index: number; r: number; g: number; b: number; brightness: number };
const lit = (pixels: Px[]) => pixels.filter((p) => p.brightness > 0);

describe("led on the sim backend", () => {
  const stateFile = join(dir, "blinkt.json");
  let config: string;
  beforeAll(() => {
    config = writeConfig({ hosts: [], claw: { led: { backend: "sim", state_file: stateFile } } });
  });

  it("sets pixel 3 and prints the 8 pixels as a table", async () => {
    const run = await runCli(["led", "set", "3", "#ff8800", "--brightness", "0.5", "--config", config]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PIXEL\s+COLOR\s+BRIGHTNESS$/);
    expect(lines.slice(2, 10).map((l) => l.split(/\s+/))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => (i === 3 ? ["3", "#ff8800", "0.50"] : [String(i), "off", "0.00"])));
    expect(lines[10]).toBe("sim backend");
  });

  it("get --json answers from the kept state, exactly as the cluster_led tool does", async () => {
    const run = await runCli(["led", "get", "--json", "--config", config]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.pixels[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 0.5 });
    expect(lit(result.pixels)).toHaveLength(1);
    const h = await connect(depsFor({ hosts: [], claw: { led: { backend: "sim", state_file: stateFile } } }));
    try {
      expect((await h.call("cluster_led", { action: "get" })).structuredContent).toEqual(result);
    } finally {
      await h.close();
    }
  });

  it("fill, progress, pulse and clear change the strip as the tool's actions do", async () => {
    const json = async (...args: string[]) => {
      const run = await runCli(["led", ...args, "--json", "--config", config]);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout).pixels as Px[];
    };
    expect(lit(await json("fill", "amber")).map((p) => [p.r, p.g, p.b])).toEqual(Array(8).fill([255, 191, 0]));
    const progress = await json("progress", "40", "cyan");
    expect(lit(progress).map((p) => p.index)).toEqual([0, 1, 2]);
    expect(progress[0]).toMatchObject({ r: 0, g: 255, b: 255 });
    expect(new Set((await json("pulse", "error")).map((p) => `${p.r},${p.g},${p.b}`))).toEqual(new Set(["255,0,0"]));
    expect(lit(await json("clear"))).toEqual([]);
  });

  it("exits 2 with the usage for a command line it cannot read, 1 for a colour the LED layer refuses", async () => {
    const blink = await runCli(["led", "blink", "--config", config]);
    expect(blink.code).toBe(2);
    expect(blink.stderr).toMatch(/unknown action "blink"[\s\S]*Usage: picoclaw-fleet led set/);
    const odd = await runCli(["led", "set", "3", "--config", config]);
    expect(odd.code).toBe(2);
    const mauve = await runCli(["led", "fill", "mauve", "--config", config]);
    expect(mauve.code).toBe(1);
    expect(mauve.stderr).toMatch(/^Unknown colour "mauve": expected red, green, blue, amber, cyan, purple, white, off or #rrggbb/);
    const far = await runCli(["led", "set", "9", "red", "--config", config]);
    expect(far.code).toBe(1);
    expect(far.stderr).toMatch(/pixel index to be 0-7, got 9/);
  });

  it("draws coloured blocks on a colour terminal", () => {
    const pixels = Array.from({ length: 8 }, (_, index) => ({ index, r: index === 3 ? 255 : 0, g: index === 3 ? 136 : 0, b: 0, brightness: index === 3 ? 0.5 : 0 }));
    const text = renderStrip({ backend: "ssh", driver: "sim", pixels, frame: "" }, true);
    expect(text).toContain("\u001b[38;2;255;136;0m██\u001b[0m");
    expect(text.match(/░░/g)).toHaveLength(7);
    expect(text).toMatch(/ssh backend \(driver: sim\)$/);
  });
});

describe("led on the http backend (the appliance's LED API)", () => {
  let api: LedApi;
  let config: string;
  beforeAll(async () => {
    api = await startLedApi();
    config = writeConfig({ hosts: [], claw: { led: { backend: "http", url: api.url, state_file: join(dir, "http-mirror.json") } } });
  });
  afterAll(() => api?.close());

  it("makes the API's request for each action", async () => {
    const cases: [string[], string, unknown][] = [
      [["fill", "amber"], "/set_status", { color: "amber", duration: 0 }],
      [["progress", "40"], "/set_progress", { percent: 40, color: "green" }],
      [["pulse", "success"], "/pulse_success", {}],
      [["pulse", "error"], "/pulse_error", {}],
      [["clear"], "/clear", {}],
    ];
    for (const [args, path, body] of cases) {
      const before = api.requests.length;
      const run = await runCli(["led", ...args, "--config", config]);
      expect(run.code, run.stderr).toBe(0);
      expect(api.requests.slice(before)).toEqual([{ method: "POST", path, body }]);
    }
  });

  it("refuses a per-pixel set, naming the backend that has it, without a request", async () => {
    const before = api.requests.length;
    const run = await runCli(["led", "set", "3", "red", "--config", config]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/http backend.*claw\.led\.backend to "ssh"/);
    expect(api.requests.length).toBe(before);
  });

  it("says where the API was not found", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(["led", "fill", "red", "--config", writeConfig({ hosts: [], claw: { led: { backend: "http", url, state_file: join(dir, "x.json") } } })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`LED API unreachable at ${url}/set_status (ECONNREFUSED)`);
  });
});

describe("infer", () => {
  let crush: OpenAiServer;
  let config: string;
  beforeAll(async () => {
    crush = await startOpenAiServer({ reply: REPLY });
    config = writeConfig({ hosts: [], crush: { base_url: crush.url, model: "llama3.2:3b" } });
  });
  afterAll(() => crush?.close());

  it("streams tokens to stdout as they come, then a summary on stderr", async () => {
    crush.set({ msPerToken: 60 });
    const run = await runCli(["infer", "Say hello", "--config", config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${REPLY}\n`);
    // Ten words 60 ms apart: the first arrived while most of the answer was still to come.
    expect(run.chunks.length).toBeGreaterThanOrEqual(5);
    expect(run.chunks[0]!.text.length).toBeLessThan(REPLY.length / 2);
    expect(run.exitedAt - run.chunks[0]!.at).toBeGreaterThan(300);
    expect(run.stderr).toMatch(/^llama3\.2:3b: 10 tokens in \d+\.\d\d s, \d+(\.\d+)? tokens\/s, first token after \d+ ms\n$/);
    const rate = Number(/, ([\d.]+) tokens\/s/.exec(run.stderr)![1]);
    expect(rate).toBeGreaterThan(5);
    expect(rate).toBeLessThan(40);
    const sent = crush.requests.at(-1)!.body as { model: string; messages: unknown[]; stream: boolean };
    expect(sent).toMatchObject({ model: "llama3.2:3b", messages: [{ role: "user", content: "Say hello" }], stream: true });
  });

  it("--json prints the result object and nothing else", async () => {
    crush.set({ msPerToken: 0 });
    const run = await runCli(["infer", "Say", "hello", "--model", "qwen2.5:0.5b", "--json", "--config", config]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ model: "qwen2.5:0.5b", text: REPLY, finish_reason: "stop", usage: { completion_tokens: 10 } });
    expect(result.tokens_per_s).toBeGreaterThan(0);
    expect(result.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    expect((crush.requests.at(-1)!.body as { messages: { content: string }[] }).messages[0]!.content).toBe("Say hello");
  });

  it("Ctrl-C aborts the HTTP request: the server sees the connection close, exit 130", async () => {
    crush.set({ msPerToken: 300 });
    const closes = crush.earlyCloses;
    let sentAt = 0;
    const run = await runCli(["infer", "Say hello", "--config", config], (child) => {
      if (sentAt) return;
      sentAt = performance.now();
      child.kill("SIGINT");
    });
    await crush.waitForEarlyClose(closes + 1, 2000);
    expect(run.code).toBe(130);
    expect(run.exitedAt - sentAt).toBeLessThan(1500);
    expect(run.stdout.length).toBeLessThan(REPLY.length);
    expect(run.stderr).toMatch(/cancelled/);
  });

  it("a missing model lists the models that exist; an unreachable endpoint names its URL", async () => {
    crush.set({ msPerToken: 0 });
    const missing = await runCli(["infer", "hi", "--model", "mistral:7b", "--config", config]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/mistral:7b/);
    expect(missing.stderr).toMatch(/llama3\.2:3b/);
    expect(missing.stderr).toMatch(/qwen2\.5:0\.5b/);
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const down = await runCli(["infer", "hi", "--config", writeConfig({ hosts: [], crush: { base_url: url, model: "llama3.2:3b" } })]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(url);
  });

  it("exits 2 without a prompt", async () => {
    const run = await runCli(["infer", "--config", config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no prompt given/);
  });
});
