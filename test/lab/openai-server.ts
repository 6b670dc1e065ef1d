import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A model the stand-in serves. */
export interface StandInModel {
  name: string;
  size?: number;
  loaded?: boolean;
}

/** Switches of the stand-in; every field can be changed between calls with `set`. */
export interface OpenAiServerOptions {
  /** Default: llama3.2:3b (loaded) and qwen2.5:0.5b. */
  models?: StandInModel[];
  /** The answer, streamed one word (with its leading space) per chunk. */
  reply?: string;
  /** Delay before each token chunk, for a slow stream. Default 0. */
  msPerToken?: number;
  /** Destroy the connection after this many token chunks (a dropped connection). */
  dropAfterTokens?: number;
  /** Answer every path with an HTML page, as a web UI or a captive portal would. */
  html?: boolean;
  /** false: answer in one JSON body even when asked to stream, as some proxies do. Default true. */
  stream?: boolean;
  /** Serve Ollama's /api/tags and /api/ps; false makes it a plain OpenAI server (vLLM, llama.cpp). Default true. */
  ollama?: boolean;
}

/** One request as the stand-in saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/** A running stand-in of ClusterCrush's Ollama. */
export interface OpenAiServer {
  /** The OpenAI base, `http://127.0.0.1:<port>/v1`, as crush.base_url takes it. */
  url: string;
  requests: RecordedRequest[];
  /** Connections the client closed before the answer ended. */
  earlyCloses: number;
  /** Resolves once `earlyCloses` reaches `count` (default 1); rejects after timeoutMs. */
  waitForEarlyClose(count?: number, timeoutMs?: number): Promise<void>;
  set(options: OpenAiServerOptions): void;
  close(): Promise<void>;
}

const DEFAULT_MODELS: StandInModel[] = [
  { name: "llama3.2:3b", size: 2_019_393_189, loaded: true },
  { name: "qwen2.5:0.5b", size: 397_821_319 },
];

/**
 * Starts an OpenAI-compatible server on 127.0.0.1:0 that streams like Ollama's /v1 (SSE `data:`
 * chunks, a usage chunk when asked, `data: [DONE]`), answers non-streamed requests, /v1/models,
 * /api/tags and /api/ps, and records whether a client closed its connection early.
 */
export async function startOpenAiServer(initial: OpenAiServerOptions = {}): Promise<OpenAiServer> {
  let opts: OpenAiServerOptions = { ...initial };
  const requests: RecordedRequest[] = [];
  const waiters: (() => void)[] = [];
  const state = { earlyCloses: 0 };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    const path = (req.url ?? "/").split("?")[0]!;
    requests.push({ method: req.method ?? "GET", path, body });
    const models = opts.models ?? DEFAULT_MODELS;
    if (opts.html) return send(res, 200, "<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", "text/html");
    if (path === "/v1/models") {
      return json(res, 200, { object: "list", data: models.map((m) => ({ id: m.name, object: "model", created: 1_700_000_000, owned_by: "library" })) });
    }
    if (path === "/api/tags" && opts.ollama !== false) {
      return json(res, 200, { models: models.map((m) => ({ name: m.name, model: m.name, size: m.size ?? 0, digest: "0".repeat(64) })) });
    }
    if (path === "/api/ps" && opts.ollama !== false) {
      return json(res, 200, { models: models.filter((m) => m.loaded).map((m) => ({ name: m.name, model: m.name, size: m.size ?? 0, size_vram: m.size ?? 0 })) });
    }
    if (path === "/v1/chat/completions" && req.method === "POST" && body) return chat(body, res, models);
    send(res, 404, "404 page not found", "text/plain");
  }

  async function chat(body: Record<string, unknown>, res: ServerResponse, models: StandInModel[]): Promise<void> {
    const model = String(body.model);
    if (!models.some((m) => m.name === model)) {
      return json(res, 404, { error: { message: `model "${model}" not found, try pulling it first`, type: "not_found_error", param: null, code: null } });
    }
    let tokens: string[] = (opts.reply ?? "Hello from the stand-in crush server, streaming word by word.").match(/\s*\S+/g) ?? [];
    const max = typeof body.max_tokens === "number" ? body.max_tokens : Infinity;
    const finish = tokens.length > max ? "length" : "stop";
    tokens = tokens.slice(0, max);
    const messages = (body.messages as { content: string }[] | undefined) ?? [];
    const prompt = messages.map((m) => m.content.split(/\s+/).length).reduce((a, b) => a + b, 0);
    const usage = { prompt_tokens: prompt, completion_tokens: tokens.length, total_tokens: prompt + tokens.length };
    const base = { id: "chatcmpl-42", created: Math.floor(Date.now() / 1000), model, system_fingerprint: "fp_ollama" };
    if (body.stream !== true || opts.stream === false) {
      const message = { role: "assistant", content: tokens.join("") };
      return json(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message, finish_reason: finish }], usage });
    }
    let dropping = false;
    res.on("close", () => {
      if (res.writableEnded || dropping) return;
      state.earlyCloses += 1;
      waiters.splice(0).forEach((w) => w());
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const event = (data: object) => res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", ...data })}\n\n`);
    for (const [i, token] of tokens.entries()) {
      if (opts.msPerToken) await new Promise((r) => setTimeout(r, opts.msPerToken));
      if (res.destroyed) return;
      if (opts.dropAfterTokens !== undefined && i >= opts.dropAfterTokens) {
        dropping = true;
        res.socket?.destroySoon();
        return;
      }
      event({ choices: [{ index: 0, delta: { role: "assistant", content: token }, finish_reason: null }] });
    }
    event({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: finish }] });
    const include = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
    if (include) event({ choices: [], usage });
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get earlyCloses() {
      return state.earlyCloses;
    },
    waitForEarlyClose(count = 1, timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Early connection closes: ${state.earlyCloses} after ${timeoutMs} ms, expected ${count}`)), timeoutMs);
        const check = () => {
          if (state.earlyCloses < count) return void waiters.push(check);
          clearTimeout(timer);
          resolve();
        };
        check();
      });
    },
    set(options) {
      opts = { ...opts, ...options };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, value: object): void {
  send(res, status, JSON.stringify(value), "application/json; charset=utf-8");
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
