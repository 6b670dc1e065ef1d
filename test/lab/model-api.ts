import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicError, anthropicEvents, anthropicMessage, readAnthropicMessages } from "./model-api-anthropic.js";
import { openAiChunks, openAiCompletion, openAiError, readOpenAiMessages } from "./model-api-openai.js";
import { currentTurn, echo, pickAnswer, type ApiForm, type ModelRequest, type Responder, type Rule } from "./model-api-script.js";

export { echo, execThenQuote, type Answer, type ChatTurn, type ModelRequest, type Responder, type Rule } from "./model-api-script.js";

/** Model ids Anthropic's API accepts, by default (dashed: `claude-sonnet-4.6` is refused). */
export const ANTHROPIC_MODELS = ["claude-sonnet-4-6", "claude-opus-4-6", "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5", "claude-opus-4-1"];

/** Switches of the model-API stand-in; each can be changed between requests with `set`. */
export interface ModelApiOptions {
  /**
   * Which service it plays. `anthropic` (default): POST /v1/messages (`x-api-key`, `anthropic-version`)
   * and Anthropic's OpenAI-compatible POST /v1/chat/completions (`Authorization: Bearer`), which
   * PicoClaw's `anthropic` provider calls; errors in Anthropic's shape. `openai`: POST …/chat/completions
   * under any prefix, errors in OpenAI's shape.
   */
  service?: "anthropic" | "openai";
  /** Keys it accepts. Absent: keyless, any key or none is accepted (Ollama, vLLM). */
  keys?: string[];
  /** Model ids it knows. Default: ANTHROPIC_MODELS for `anthropic`, any id for `openai`. */
  models?: string[];
  /** Scripted answers, first match wins; the default responder answers the rest. */
  rules?: Rule[];
  /** Answers requests no rule fits. Default `echo`, the last user message verbatim. */
  fallback?: Responder;
}

/** A running model-API stand-in. */
export interface ModelApi {
  /** `http://127.0.0.1:<port>/v1`, as PicoClaw's `api_base` takes it. */
  url: string;
  /** Every request, in arrival order, answered or not. */
  requests: ModelRequest[];
  /** Adds a rule after the existing ones. */
  on(match: Rule["match"], answer: Responder): void;
  set(options: ModelApiOptions): void;
  close(): Promise<void>;
}

/**
 * Starts a stand-in of the model APIs PicoClaw calls, on 127.0.0.1:0: it checks keys and model
 * ids as Anthropic and OpenAI do (401, 404 naming the id, in their error shapes), records every
 * request, and answers as scripted: text, a tool call (PicoClaw's `exec`), an error, slowly.
 */
export async function startModelApi(initial: ModelApiOptions = {}): Promise<ModelApi> {
  let opts: ModelApiOptions = { ...initial, rules: [...(initial.rules ?? [])] };
  const requests: ModelRequest[] = [];
  let calls = 0;

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "/").split("?")[0]!;
    const anthropic = (opts.service ?? "anthropic") === "anthropic";
    const form: ApiForm | undefined =
      anthropic && path === "/v1/messages" ? "anthropic-messages" : path.endsWith("/chat/completions") && (!anthropic || path === "/v1/chat/completions") ? "chat-completions" : undefined;
    if (req.method !== "POST" || !form) return send(res, 404, anthropic ? anthropicError("not_found_error", "Not Found") : openAiError(`Invalid URL (${req.method} ${path})`, "invalid_request_error", null));
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const key = form === "anthropic-messages" ? headers["x-api-key"] : /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const messages = form === "anthropic-messages" ? readAnthropicMessages(body) : readOpenAiMessages(body);
    const tools = ((body.tools as { name?: string; function?: { name: string } }[] | undefined) ?? []).map((t) => t.name ?? t.function?.name ?? "");
    const model = String(body.model ?? "");
    const request: ModelRequest = { form, method: req.method, path, headers, key, body, model, stream: body.stream === true, messages, tools, ...currentTurn(messages) };
    requests.push(request);

    const refusal = refuse(request, opts);
    if (refusal) return send(res, (request.status = refusal[0]), refusal[1]);
    const answer = pickAnswer(opts.rules ?? [], opts.fallback ?? echo, request);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if ("status" in answer) return send(res, (request.status = answer.status), answer.body);
    request.status = 200;
    const callId = `toolu_lab${String(++calls).padStart(8, "0")}`;
    if (form === "anthropic-messages") {
      const message = anthropicMessage(model, answer, callId);
      return request.stream ? sse(res, anthropicEvents(message)) : send(res, 200, message);
    }
    const completion = openAiCompletion(model, answer, callId);
    return request.stream ? sse(res, openAiChunks(completion)) : send(res, 200, completion);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    on: (match, answer) => void opts.rules!.push({ match, answer }),
    set: (options) => void (opts = { ...opts, ...options, rules: [...(options.rules ?? opts.rules!)] }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The status and body the real service refuses this request with, if it would. */
function refuse(request: ModelRequest, opts: ModelApiOptions): [number, object] | undefined {
  const { form, key, model, headers } = request;
  if ((opts.service ?? "anthropic") === "anthropic") {
    if (opts.keys && !key) return [401, anthropicError("authentication_error", "x-api-key header is required")];
    if (opts.keys && !opts.keys.includes(key!)) return [401, anthropicError("authentication_error", "invalid x-api-key")];
    if (form === "anthropic-messages" && !headers["anthropic-version"]) return [400, anthropicError("invalid_request_error", "anthropic-version: header is required")];
    if (!(opts.models ?? ANTHROPIC_MODELS).includes(model)) return [404, anthropicError("not_found_error", `model: ${model}`)];
    return undefined;
  }
  if (opts.keys && !key) {
    const message = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.";
    return [401, openAiError(message, "invalid_request_error", null)];
  }
  if (opts.keys && !opts.keys.includes(key!)) {
    const masked = key!.length > 8 ? `${key!.slice(0, 3)}${"*".repeat(key!.length - 7)}${key!.slice(-4)}` : key;
    return [401, openAiError(`Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key")];
  }
  if (opts.models && !opts.models.includes(model)) {
    return [404, openAiError(`The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found")];
  }
  return undefined;
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const body = typeof value === "string" ? value : JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sse(res: ServerResponse, events: string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.end(events);
}
