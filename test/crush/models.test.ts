import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ollamaRoot } from "../../src/crush/endpoint.js";
import { listModels } from "../../src/crush/models.js";
import { startOpenAiServer, type OpenAiServer } from "../lab/openai-server.js";

let crush: OpenAiServer;

beforeAll(async () => {
  crush = await startOpenAiServer();
});
afterAll(() => crush.close());

describe("listModels", () => {
  it("joins Ollama's /api/tags (sizes) and /api/ps (loaded)", async () => {
    crush.set({ ollama: true });
    expect(await listModels({ baseUrl: crush.url })).toEqual({
      source: "ollama",
      models: [
        { id: "llama3.2:3b", size_bytes: 2_019_393_189, loaded: true },
        { id: "qwen2.5:0.5b", size_bytes: 397_821_319, loaded: false },
      ],
    });
  });

  it("falls back to /v1/models on a server without Ollama's API", async () => {
    crush.set({ ollama: false });
    expect(await listModels({ baseUrl: crush.url })).toEqual({
      source: "openai",
      models: [
        { id: "llama3.2:3b", loaded: true },
        { id: "qwen2.5:0.5b", loaded: true },
      ],
    });
  });

  it("refuses an HTML answer as not an OpenAI model listing", async () => {
    crush.set({ html: true });
    await expect(listModels({ baseUrl: crush.url })).rejects.toThrow(/^Not an OpenAI model listing at .*\/v1\/models/);
    crush.set({ html: false });
  });
});

describe("ollamaRoot", () => {
  it("drops a trailing /v1 (and slashes) from base_url", () => {
    expect(ollamaRoot("http://clustercrush:11434/v1")).toBe("http://clustercrush:11434");
    expect(ollamaRoot("http://clustercrush:11434/v1/")).toBe("http://clustercrush:11434");
    expect(ollamaRoot("http://litellm:4000")).toBe("http://litellm:4000");
  });
});
