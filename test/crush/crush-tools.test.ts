import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { startOpenAiServer, type OpenAiServer } from "../lab/openai-server.js";

let crush: OpenAiServer;
let h: Harness;
const REPLY = "Eight pixels of light on the ClusterClaw tell the fleet story.";

beforeAll(async () => {
  crush = await startOpenAiServer({ reply: REPLY });
  h = await connect(depsFor({ hosts: [], crush: { base_url: crush.url, model: "llama3.2:3b", timeout_s: 20 } }));
});
afterAll(async () => {
  await h?.close();
  await crush?.close();
});
beforeEach(() => crush.set({ msPerToken: 0 }));

const textOf = (res: { content: unknown }) => (res.content as { text: string }[])[0]!.text;

describe("crush_infer and crush_models over MCP", () => {
  it("declare an outputSchema and all four annotations", async () => {
    const { tools } = await h.client.listTools();
    for (const name of ["crush_infer", "crush_models"]) {
      const tool = tools.find((t) => t.name === name)!;
      expect(tool.outputSchema, name).toBeDefined();
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: expect.any(Boolean), openWorldHint: expect.any(Boolean) });
    }
  });

  it("crush_infer returns the streamed text whole, a positive tokens_per_s, and progress during the stream", async () => {
    crush.set({ msPerToken: 20 });
    const progress: { progress: number; message?: string; at: number }[] = [];
    const res = await h.call("crush_infer", { prompt: "tell it", system: "be brief" }, { onprogress: (p) => progress.push({ ...p, at: Date.now() }) });
    const done = Date.now();
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent;
    expect(textOf(res)).toMatch(new RegExp(`^${REPLY.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n\n-- llama3\\.2:3b, 11 tokens at `));
    expect(out).toMatchObject({ model: "llama3.2:3b", text: REPLY, finish_reason: "stop", usage: { completion_tokens: 11 } });
    expect(out.tokens_per_s).toBeGreaterThan(0);
    expect(out.time_to_first_token_ms).toBeGreaterThan(0);
    expect(progress.map((p) => p.progress)).toEqual([...Array(11).keys()].map((i) => i + 1));
    expect(progress.map((p) => p.message).join("")).toBe(REPLY);
    expect(done - progress[0]!.at).toBeGreaterThanOrEqual(150);
    expect(crush.requests.at(-1)!.body).toMatchObject({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: "tell it" }] });
  });

  it("cancelling crush_infer mid-stream closes the HTTP connection at the server", async () => {
    crush.set({ msPerToken: 100 });
    const before = crush.earlyCloses;
    const controller = new AbortController();
    const call = h.call("crush_infer", { prompt: "go" }, { signal: controller.signal, onprogress: () => controller.abort("user stop") });
    await expect(call).rejects.toThrow();
    await crush.waitForEarlyClose(before + 1);
    expect(crush.earlyCloses).toBe(before + 1);
  });

  it("a missing model is an error that lists the models that exist", async () => {
    const res = await h.call("crush_infer", { prompt: "hi", model: "mistral:7b" });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toMatch(/^Model "mistral:7b" not found at http:\/\/127\.0\.0\.1:\d+\/v1; models there: llama3\.2:3b, qwen2\.5:0\.5b\. Pass one of them as model/);
  });

  it("crush_infer without prompt or messages says what to pass", async () => {
    const res = await h.call("crush_infer", { system: "only a system message" });
    expect(res.isError).toBe(true);
    expect(textOf(res)).toBe("Expected prompt or messages, got neither: pass the text to send as prompt");
  });

  it("crush_models lists models, sizes and which are loaded", async () => {
    const res = await h.call("crush_models");
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toEqual({
      source: "ollama",
      models: [
        { id: "llama3.2:3b", size_bytes: 2_019_393_189, loaded: true },
        { id: "qwen2.5:0.5b", size_bytes: 397_821_319, loaded: false },
      ],
    });
  });
});

describe("crush_infer without crush.model", () => {
  it("asks for a model and lists the ones there", async () => {
    const bare = await connect(depsFor({ hosts: [], crush: { base_url: crush.url } }));
    try {
      const res = await bare.call("crush_infer", { prompt: "hi" });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/^No model given and crush.model is not set; models there: llama3\.2:3b, qwen2\.5:0\.5b/);
    } finally {
      await bare.close();
    }
  });
});
