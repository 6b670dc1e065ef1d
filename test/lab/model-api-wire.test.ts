import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execThenQuote, startModelApi, type ModelApi } from "./model-api.js";

// The forms PicoClaw v0.2.9's CLI does not use (streaming, OpenAI's error bodies), checked on
// the wire; test/lab/model-api.test.ts holds the stand-in to the real binary.
let api: ModelApi;
beforeAll(async () => void (api = await startModelApi({ keys: ["sk-good-0123456789"] })));
afterAll(() => api.close());

function post(path: string, headers: Record<string, string>, body: object): Promise<Response> {
  return fetch(api.url.replace(/\/v1$/, "") + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}
const user = (text: string) => ({ model: "claude-haiku-4-5", max_tokens: 100, messages: [{ role: "user", content: text }] });

describe("startModelApi on the wire", () => {
  it("streams an Anthropic message as SSE events, a tool_use block as input_json_delta", async () => {
    api.set({ service: "anthropic", rules: [{ match: "arch", answer: execThenQuote("uname -m") }] });
    const headers = { "x-api-key": "sk-good-0123456789", "anthropic-version": "2023-06-01" };
    const text = await (await post("/v1/messages", headers, { ...user("hi"), stream: true })).text();
    expect(text.match(/^event: (\S+)$/gm)?.map((l) => l.slice(7))).toEqual([
      "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    expect(text).toContain('"delta":{"type":"text_delta","text":"hi"}');
    const tool = await (await post("/v1/messages", headers, { ...user("arch"), stream: true })).text();
    expect(tool).toContain(JSON.stringify({ type: "input_json_delta", partial_json: JSON.stringify({ action: "run", command: "uname -m" }) }));
    expect(tool).toContain('"stop_reason":"tool_use"');
  });

  it("refuses as Anthropic does: no key, a wrong key, no anthropic-version", async () => {
    const refused = async (headers: Record<string, string>) => {
      const res = await post("/v1/messages", headers, user("hi"));
      return [res.status, ((await res.json()) as { error: { message: string } }).error.message];
    };
    expect(await refused({ "anthropic-version": "2023-06-01" })).toEqual([401, "x-api-key header is required"]);
    expect(await refused({ "x-api-key": "sk-bad", "anthropic-version": "2023-06-01" })).toEqual([401, "invalid x-api-key"]);
    expect(await refused({ "x-api-key": "sk-good-0123456789" })).toEqual([400, "anthropic-version: header is required"]);
  });

  it("streams OpenAI chunks ending in [DONE], and refuses in OpenAI's shape", async () => {
    api.set({ service: "openai", models: ["gpt-5.4"], rules: [] });
    const auth = { authorization: "Bearer sk-good-0123456789" };
    const res = await post("/openai/v1/chat/completions", auth, { ...user("streamed"), model: "gpt-5.4", stream: true });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    expect(text).toContain('"delta":{"role":"assistant","content":"streamed"}');
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);

    const wrong = await post("/v1/chat/completions", { authorization: "Bearer sk-wrong-0123456789" }, { ...user("x"), model: "gpt-5.4" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: "invalid_api_key", message: expect.stringMatching(/^Incorrect API key provided: sk-\*+6789\./) } });
    const unknown = await post("/v1/chat/completions", auth, { ...user("x"), model: "gpt-9" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: "The model `gpt-9` does not exist or you do not have access to it.", type: "invalid_request_error", param: null, code: "model_not_found" } });
    expect(api.requests.at(-1)).toMatchObject({ model: "gpt-9", key: "sk-good-0123456789", status: 404 });
  });
});
