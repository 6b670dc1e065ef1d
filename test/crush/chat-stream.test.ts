import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { streamChat } from "../../src/crush/chat-stream.js";
import { CrushError } from "../../src/crush/endpoint.js";
import { startOpenAiServer, type OpenAiServer } from "../lab/openai-server.js";
import { closedPort } from "../lab/net.js";

let crush: OpenAiServer;
const REPLY = "The quick brown fox jumps over the lazy dog.";
const ask = { model: "llama3.2:3b", messages: [{ role: "user" as const, content: "say it" }], timeoutMs: 10_000 };

beforeAll(async () => {
  crush = await startOpenAiServer({ reply: REPLY });
});
afterAll(() => crush.close());
beforeEach(() => crush.set({ stream: true, msPerToken: 0, dropAfterTokens: undefined, html: false, ollama: true, reply: REPLY }));

async function failure(promise: Promise<unknown>): Promise<CrushError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CrushError);
  return err as CrushError;
}

describe("streamChat", () => {
  it("streams the whole text with usage from the usage chunk, and asks for it", async () => {
    crush.set({ msPerToken: 5 });
    const tokens: string[] = [];
    const out = await streamChat({ baseUrl: crush.url }, { ...ask, onToken: (t) => tokens.push(t) });
    expect(out.text).toBe(REPLY);
    expect(tokens.join("")).toBe(REPLY);
    expect(tokens.length).toBe(9);
    expect(out).toMatchObject({ model: "llama3.2:3b", finish_reason: "stop", usage: { prompt_tokens: 2, completion_tokens: 9 } });
    expect(out.tokens_per_s).toBeGreaterThan(0);
    expect(out.time_to_first_token_ms).toBeGreaterThanOrEqual(4);
    expect(out.duration_ms).toBeGreaterThanOrEqual(out.time_to_first_token_ms);
    expect(crush.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("passes max_tokens and reports finish_reason length", async () => {
    const out = await streamChat({ baseUrl: crush.url }, { ...ask, maxTokens: 3 });
    expect(out).toMatchObject({ text: "The quick brown", finish_reason: "length", usage: { completion_tokens: 3 } });
  });

  it("takes a whole JSON answer from a server that does not stream", async () => {
    crush.set({ stream: false });
    const tokens: string[] = [];
    const out = await streamChat({ baseUrl: crush.url }, { ...ask, onToken: (t) => tokens.push(t) });
    expect(out).toMatchObject({ text: REPLY, finish_reason: "stop", usage: { completion_tokens: 9 } });
    expect(tokens).toEqual([REPLY]);
    expect(out.tokens_per_s).toBeGreaterThan(0);
  });

  it("aborts the HTTP request when the signal fires: the server sees the connection close", async () => {
    crush.set({ msPerToken: 200 });
    const before = crush.earlyCloses;
    const controller = new AbortController();
    const running = streamChat({ baseUrl: crush.url }, { ...ask, signal: controller.signal, onToken: () => controller.abort() });
    const err = await failure(running);
    expect(err.kind).toBe("cancelled");
    await crush.waitForEarlyClose(before + 1);
    expect(crush.earlyCloses).toBe(before + 1);
  });

  it("times out, closing the connection and saying what had arrived", async () => {
    crush.set({ msPerToken: 300 });
    const before = crush.earlyCloses;
    const started = Date.now();
    const err = await failure(streamChat({ baseUrl: crush.url }, { ...ask, timeoutMs: 500 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/^Crush request timed out after 0.5 s at .*received so far: "The"/);
    await crush.waitForEarlyClose(before + 1);
    expect(crush.earlyCloses).toBe(before + 1);
  });

  it("reports a connection dropped mid-stream with the text received so far", async () => {
    crush.set({ dropAfterTokens: 4 });
    const err = await failure(streamChat({ baseUrl: crush.url }, ask));
    expect(err.kind).toBe("dropped");
    expect(err.message).toMatch(/^Connection to http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions dropped mid-stream after 4 chunks/);
    expect(err.message).toContain('received so far: "The quick brown fox"');
  });

  it("lists the models that exist when the model is missing", async () => {
    const err = await failure(streamChat({ baseUrl: crush.url }, { ...ask, model: "mistral:7b" }));
    expect(err.kind).toBe("model_not_found");
    expect(err.message).toMatch(/^Model "mistral:7b" not found at .*models there: llama3\.2:3b, qwen2\.5:0\.5b/);
  });

  it("refuses a non-OpenAI answer (an HTML page)", async () => {
    crush.set({ html: true });
    const err = await failure(streamChat({ baseUrl: crush.url }, ask));
    expect(err.kind).toBe("not_openai");
    expect(err.message).toMatch(/^Not an OpenAI-compatible answer from .*text\/html.*<!doctype html>/);
  });

  it("points at /v1 when base_url misses it (a 404 that is not OpenAI JSON)", async () => {
    const err = await failure(streamChat({ baseUrl: crush.url.replace(/\/v1$/, "") }, ask));
    expect(err.kind).toBe("not_openai");
    expect(err.message).toMatch(/HTTP 404 "404 page not found"; check that crush.base_url is the \/v1 API/);
  });

  it("names the URL when nothing listens there", async () => {
    const port = await closedPort();
    const err = await failure(streamChat({ baseUrl: `http://127.0.0.1:${port}/v1` }, ask));
    expect(err.kind).toBe("unreachable");
    expect(err.message).toBe(
      `Crush endpoint unreachable at http://127.0.0.1:${port}/v1/chat/completions (ECONNREFUSED): check crush.base_url and that the server runs`,
    );
  });

  it("sends the API key as a bearer token", async () => {
    const seen: string[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      seen.push(String(new Headers(init?.headers).get("authorization")));
      return original(input, init);
    };
    try {
      await streamChat({ baseUrl: crush.url, apiKey: "sk-test-1234" }, ask);
    } finally {
      globalThis.fetch = original;
    }
    expect(seen).toEqual(["Bearer sk-test-1234"]);
  });
});
