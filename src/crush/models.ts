import { z } from "zod";
import { CrushError, deadline, excerpt, ollamaRoot, readText, request, type Deadline, type Endpoint } from "./endpoint.js";

/** One model the endpoint can serve; `loaded` says whether it sits in memory now. */
export interface ModelInfo {
  id: string;
  size_bytes?: number;
  loaded: boolean;
}

/** The models of an endpoint, and which API told us (Ollama's own, or the OpenAI listing). */
export interface ModelListing {
  source: "ollama" | "openai";
  models: ModelInfo[];
}

const ollamaTags = z.object({ models: z.array(z.object({ name: z.string(), size: z.number().optional() })) });
const ollamaPs = z.object({ models: z.array(z.object({ name: z.string() })) });
const openAiModels = z.object({ data: z.array(z.object({ id: z.string() })) });

/**
 * Lists the models of an endpoint: Ollama's `/api/tags` (what exists, with sizes) joined with
 * `/api/ps` (what is loaded); on other servers (vLLM, llama.cpp, LiteLLM) `/v1/models`, whose
 * models are served, so counted as loaded. Used by `crush_models` and by the model-not-found error.
 */
export async function listModels(
  endpoint: Endpoint,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ModelListing> {
  const limit = deadline(options.timeoutMs ?? 10_000, options.signal);
  const root = ollamaRoot(endpoint.baseUrl);
  const tags = await getJson(endpoint, `${root}/api/tags`, limit, ollamaTags);
  if (tags) {
    const ps = await getJson(endpoint, `${root}/api/ps`, limit, ollamaPs);
    const loaded = new Set((ps?.models ?? []).map((m) => m.name));
    return {
      source: "ollama",
      models: tags.models.map((m) => ({
        id: m.name,
        ...(m.size !== undefined ? { size_bytes: m.size } : {}),
        loaded: loaded.has(m.name),
      })),
    };
  }
  const url = `${endpoint.baseUrl}/models`;
  const res = await request(endpoint, url, {}, limit);
  const body = await readText(res, url, limit);
  if (!res.ok) {
    throw new CrushError("http", `Crush endpoint answered HTTP ${res.status} at ${url}: ${excerpt(body, 300)}; check crush.base_url`);
  }
  const parsed = openAiModels.safeParse(parseJson(body));
  if (!parsed.success) {
    throw new CrushError("not_openai", `Not an OpenAI model listing at ${url}: got ${excerpt(body, 200)}; check that crush.base_url is the /v1 API`);
  }
  return { source: "openai", models: parsed.data.data.map((m) => ({ id: m.id, loaded: true })) };
}

/** The ids of the models there, for error messages; never throws (says why it could not list instead). */
export async function describeModels(endpoint: Endpoint, signal?: AbortSignal): Promise<string> {
  try {
    const { models } = await listModels(endpoint, { timeoutMs: 5000, signal });
    return models.length ? `models there: ${models.map((m) => m.id).join(", ")}` : "no models there (pull one first)";
  } catch (err) {
    return `the model list could not be read (${err instanceof Error ? err.message : String(err)})`;
  }
}

// A GET whose answer is the expected JSON, or undefined when this server does not speak that API.
async function getJson<T>(endpoint: Endpoint, url: string, limit: Deadline, schema: z.ZodType<T>): Promise<T | undefined> {
  const res = await request(endpoint, url, {}, limit);
  const body = await readText(res, url, limit);
  if (!res.ok) return undefined;
  const parsed = schema.safeParse(parseJson(body));
  return parsed.success ? parsed.data : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
