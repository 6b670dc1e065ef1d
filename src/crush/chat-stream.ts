import { createParser, type EventSourceMessage } from "eventsource-parser";
import { z } from "zod";
import { httpFailure } from "./chat-errors.js";
import { CrushError, deadline, excerpt, readText, request, stopped, type Endpoint } from "./endpoint.js";

/** One chat message, as the OpenAI API takes it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A chat completion request; the options are the documentation. */
export interface ChatOptions {
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** The request is aborted (its connection closed) after this many ms. */
  timeoutMs: number;
  /** Aborts the request when it fires (a client's cancel). */
  signal?: AbortSignal;
  /** Called for each streamed chunk that carries text, with that text and the number of such chunks so far. */
  onToken?: (text: string, chunks: number) => void;
}

/** What `crush_infer` returns: the whole text and how fast it came. */
export interface ChatResult {
  model: string;
  text: string;
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Completion tokens over the time from the first token to the end of the stream. */
  tokens_per_s: number;
  time_to_first_token_ms: number;
  duration_ms: number;
}

const usageSchema = z.object({ prompt_tokens: z.number(), completion_tokens: z.number() });
const errorSchema = z.object({ error: z.union([z.string(), z.object({ message: z.string() })]) });
const chunkSchema = z.object({
  model: z.string().optional(),
  choices: z.array(
    z.object({
      delta: z.object({ content: z.string().nullish() }).nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: usageSchema.nullish(),
});
const completionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullish() }), finish_reason: z.string().nullish() })).min(1),
  usage: usageSchema.nullish(),
});

/**
 * Streams one chat completion from an OpenAI-compatible endpoint (Ollama's /v1, vLLM, llama.cpp,
 * LiteLLM) and measures it. SSE is parsed by eventsource-parser; the timeout and the caller's
 * signal abort the HTTP request itself, so the server sees the connection close.
 */
export async function streamChat(endpoint: Endpoint, options: ChatOptions): Promise<ChatResult> {
  const url = `${endpoint.baseUrl}/chat/completions`;
  const limit = deadline(options.timeoutMs, options.signal);
  const started = performance.now();
  const body = {
    model: options.model,
    messages: options.messages,
    stream: true,
    stream_options: { include_usage: true },
    ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  };
  const res = await request(endpoint, url, { method: "POST", body, accept: "text/event-stream" }, limit);
  if (!res.ok) throw await httpFailure(endpoint, url, res, options.model, limit);
  const type = res.headers.get("content-type") ?? "";
  const s: StreamState = { text: "", chunks: 0, model: options.model, finish: null, done: false };
  if (type.includes("text/event-stream") && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = createParser({ onEvent: (event) => onEvent(s, event, url, options.onToken) });
    try {
      while (!s.done && !s.bad) {
        const next = await reader.read();
        if (next.done) break;
        parser.feed(next.value);
      }
    } catch (err) {
      throw stopped(limit, url, s.text) ?? dropped(url, s, err);
    }
    if (s.bad) limit.abort();
    else if (s.done) void reader.cancel().catch(() => undefined);
    if (s.bad) throw s.bad;
    if (!s.done && s.finish === null) throw dropped(url, s, "the stream ended without [DONE]");
  } else {
    const text = await readText(res, url, limit);
    const parsed = completionSchema.safeParse(parseJson(text));
    if (!type.includes("json") || !parsed.success) {
      throw new CrushError("not_openai", `Not an OpenAI-compatible answer from ${url}: got ${type || "no content type"} starting ${excerpt(text, 200)}; check that crush.base_url is the /v1 API`);
    }
    const choice = parsed.data.choices[0]!;
    s.text = choice.message.content ?? "";
    s.finish = choice.finish_reason ?? null;
    s.model = parsed.data.model ?? s.model;
    s.usage = parsed.data.usage ?? undefined;
    s.chunks = 1;
    s.firstAt = performance.now();
    if (s.text) options.onToken?.(s.text, 1);
  }
  return measure(s, started, performance.now());
}

interface StreamState {
  text: string;
  chunks: number;
  model: string;
  finish: string | null;
  usage?: z.infer<typeof usageSchema>;
  firstAt?: number;
  done: boolean;
  bad?: CrushError;
}

// One SSE event: a chunk, the usage chunk, an error event or [DONE].
function onEvent(s: StreamState, event: EventSourceMessage, url: string, onToken: ChatOptions["onToken"]): void {
  if (s.done || s.bad) return;
  if (event.data.trim() === "[DONE]") {
    s.done = true;
    return;
  }
  const json = parseJson(event.data);
  const failed = errorSchema.safeParse(json);
  if (failed.success) {
    const message = typeof failed.data.error === "string" ? failed.data.error : failed.data.error.message;
    s.bad = new CrushError("http", `Crush endpoint reported an error mid-stream at ${url}: ${message}`);
    return;
  }
  const chunk = chunkSchema.safeParse(json);
  if (!chunk.success) {
    s.bad = new CrushError("not_openai", `Not an OpenAI-compatible stream from ${url}: event ${excerpt(event.data, 200)} is no chat.completion.chunk; check crush.base_url`);
    return;
  }
  if (chunk.data.model) s.model = chunk.data.model;
  if (chunk.data.usage) s.usage = chunk.data.usage;
  for (const choice of chunk.data.choices) {
    if (choice.finish_reason) s.finish = choice.finish_reason;
    const text = choice.delta?.content;
    if (!text) continue;
    s.firstAt ??= performance.now();
    s.text += text;
    s.chunks += 1;
    onToken?.(text, s.chunks);
  }
}

function measure(s: StreamState, started: number, ended: number): ChatResult {
  const completion = s.usage?.completion_tokens ?? s.chunks;
  const first = s.firstAt ?? ended;
  const windowMs = ended - first >= 1 ? ended - first : ended - started;
  const rate = completion > 0 && windowMs > 0 ? completion / (windowMs / 1000) : 0;
  return {
    model: s.model,
    text: s.text,
    finish_reason: s.finish,
    usage: { prompt_tokens: s.usage?.prompt_tokens ?? 0, completion_tokens: completion },
    tokens_per_s: Math.round(rate * 100) / 100,
    time_to_first_token_ms: Math.round(first - started),
    duration_ms: Math.round(ended - started),
  };
}

function dropped(url: string, s: StreamState, cause: unknown): CrushError {
  const why = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return new CrushError("dropped", `Connection to ${url} dropped mid-stream after ${s.chunks} chunks (${why}); received so far: ${excerpt(s.text)}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
