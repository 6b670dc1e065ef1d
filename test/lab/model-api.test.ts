import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { extractReply } from "../../src/picoclaw/reply.js";
import { execThenQuote, startModelApi, type ModelApi } from "./model-api.js";
import { freshHome, realPicoclawBin, runPicoclaw, writeModelConfig, type ModelEntry } from "./picoclaw-run.js";

// The real PicoClaw (v0.2.9 unless $PICOCLAW_REAL_BIN says otherwise), run locally with a fresh
// HOME, talking to the model-API stand-in.
const KEY = "sk-ant-lab-0123456789abcdef";
let api: ModelApi;
const homes: string[] = [];
beforeAll(async () => void (api = await startModelApi({ keys: [KEY] })));
afterAll(() => api.close());
afterEach(async () => {
  api.set({ service: "anthropic", keys: [KEY], rules: [] });
  api.requests.length = 0;
  await Promise.all(homes.splice(0).map((h) => rm(h, { recursive: true, force: true })));
});

/** A fresh HOME configured with one model entry (Anthropic's claude-sonnet-4-6 with KEY by default). */
async function worker(entry: Partial<ModelEntry> = {}) {
  const home = await freshHome();
  homes.push(home);
  await writeModelConfig(home, { provider: "anthropic", model: "claude-sonnet-4-6", apiBase: api.url, key: KEY, ...entry });
  const bin = await realPicoclawBin();
  return (args: string[], env?: Record<string, string>) => runPicoclaw(bin, home, args, { env });
}

describe("real PicoClaw against startModelApi", () => {
  it("provider anthropic: OpenAI-form POST /v1/chat/completions, the key only in Authorization: Bearer", async () => {
    api.on("hello", { text: "Hello from the lab model." });
    const run = await (await worker())(["agent", "-m", "hello"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(extractReply(run.stdout)).toBe("Hello from the lab model.");
    const [request] = api.requests;
    expect(request).toMatchObject({ form: "chat-completions", path: "/v1/chat/completions", stream: false, model: "claude-sonnet-4-6", lastUser: "hello", status: 200 });
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.headers["user-agent"]).toMatch(/^PicoClaw\//);
    expect(JSON.stringify(request!.body)).not.toContain(KEY);
    expect(request!.messages[0]!.role).toBe("system");
    expect(request!.tools).toContain("exec");
  });

  it("provider anthropic-messages: POST /v1/messages with x-api-key and anthropic-version", async () => {
    const run = await (await worker({ provider: "anthropic-messages" }))(["agent", "-m", "echo me"]);
    expect(extractReply(run.stdout)).toBe("echo me");
    expect(api.requests[0]).toMatchObject({ form: "anthropic-messages", path: "/v1/messages", stream: false, key: KEY });
    expect(api.requests[0]!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(api.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("an unknown model id (onboard's claude-sonnet-4.6) exits 1 with an error naming it", async () => {
    const run = await (await worker({ model: "claude-sonnet-4.6" }))(["agent", "-m", "hi"]);
    expect(run.code).toBe(1);
    expect(extractReply(run.stdout)).toBe("");
    expect(run.stderr).toMatch(/^Error: .*\n {2}Status: 404\n.*"not_found_error","message":"model: claude-sonnet-4\.6"/s);
  });

  it("a wrong key exits 1 with Anthropic's 401", async () => {
    const run = await (await worker({ key: "sk-ant-wrong" }))(["agent", "-m", "hi"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Status: 401");
    expect(run.stderr).toContain('"authentication_error","message":"invalid x-api-key"');
  });

  it.each(["openai", "ollama", "vllm"])("keyless provider %s with an api_base answers, sending no key", async (provider) => {
    api.set({ service: "openai", keys: undefined });
    const run = await (await worker({ provider, model: "llama3.2:3b", key: undefined }))(["agent", "-m", "keyless"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(extractReply(run.stdout)).toBe("keyless");
    expect(api.requests[0]!.key).toBeUndefined();
  });

  it("a scripted exec tool call runs uname -m on the worker, and the reply quotes its result", async () => {
    api.on(/architecture/, execThenQuote("uname -m"));
    const run = await (await worker())(["agent", "-m", "Which architecture is this?"]);
    expect(extractReply(run.stdout)).toBe("Ran uname -m: x86_64");
    const [call, result] = api.requests;
    expect(call!.toolResults).toEqual([]);
    expect(result!.messages.at(-2)!.toolCalls?.[0]).toMatchObject({ name: "exec", input: { action: "run", command: "uname -m" } });
    expect(result!.toolResults).toEqual(["x86_64\n"]);
  });

  it("a slow answer is waited for; a scripted 500 exits 1 with the status", async () => {
    api.on("slow", { text: "took a while", delayMs: 1500 });
    api.on("boom", { status: 500, body: { type: "error", error: { type: "api_error", message: "Internal server error" } } });
    const picoclaw = await worker();
    const started = Date.now();
    expect(extractReply((await picoclaw(["agent", "-m", "slow"])).stdout)).toBe("took a while");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const failed = await picoclaw(["agent", "-m", "boom"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("Status: 500");
  });

  // Observed on v0.2.9: `agent:`-prefixed keys are conversations of their own; any other key,
  // and no key, share cli:default (both stored as the same sk_v1_… session file).
  it("--session agent:xyz keeps its own history; other keys share the default conversation", async () => {
    const picoclaw = await worker();
    const history = () => api.requests.at(-1)!.messages.filter((m) => m.role !== "system").map((m) => m.text);
    await picoclaw(["agent", "-m", "one", "--session", "agent:xyz"]);
    await picoclaw(["agent", "-m", "two", "--session", "agent:xyz"]);
    expect(history()).toEqual(["one", "one", "two"]);
    await picoclaw(["agent", "-m", "three"]);
    expect(history()).toEqual(["three"]);
    await picoclaw(["agent", "-m", "four", "--session", "xyz"]);
    expect(history()).toEqual(["three", "three", "four"]);
    await picoclaw(["agent", "-m", "five", "-s", "cli:other"]);
    expect(history()).toEqual(["three", "three", "four", "four", "five"]);
  });

  it("logs nothing on stdout at the default level; PICOCLAW_LOG_FILE moves the lines to the file", async () => {
    const picoclaw = await worker();
    const quiet = await picoclaw(["agent", "-m", "hi"]);
    expect(quiet.stdout).not.toMatch(/^\d\d:\d\d:\d\d INF /m);
    const loud = await picoclaw(["agent", "-m", "hi"], { PICOCLAW_LOG_LEVEL: "info" });
    expect(loud.stdout).toMatch(/^\d\d:\d\d:\d\d INF agent \S+ > Agent initialized/m);
    expect(extractReply(loud.stdout)).toBe("hi");
    const home = homes.at(-1)!;
    const filed = await picoclaw(["agent", "-m", "hi"], { PICOCLAW_LOG_LEVEL: "info", PICOCLAW_LOG_FILE: "~/logs/picoclaw.log" });
    expect(filed.stdout).not.toMatch(/ INF /);
    expect(extractReply(filed.stdout)).toBe("hi");
    const lines = (await readFile(join(home, "logs", "picoclaw.log"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.message)).toContain("Agent initialized");
  });
});
