import { CrushError, excerpt, readText, type Deadline, type Endpoint } from "./endpoint.js";
import { describeModels } from "./models.js";

// How servers say "no such model": Ollama (`model "x" not found, try pulling it first`), OpenAI
// (`model_not_found`), vLLM (`The model `x` does not exist.`), LiteLLM (`Invalid model name`).
const MODEL_MISSING = /model.*(not found|does not exist|no such|not exist|invalid model)|model_not_found|invalid model name/i;

/**
 * Turns an HTTP error answer of `/chat/completions` into a CrushError that says what to do:
 * a missing model lists the models that exist; an answer that is not the OpenAI API's JSON
 * points at crush.base_url; a refused key points at crush.api_key_env.
 */
export async function httpFailure(endpoint: Endpoint, url: string, res: Response, model: string, limit: Deadline): Promise<CrushError> {
  const body = await readText(res, url, limit);
  const message = errorMessage(body);
  if ((res.status === 404 || res.status === 400) && MODEL_MISSING.test(message ?? "")) {
    const models = await describeModels(endpoint, limit.signal);
    return new CrushError("model_not_found", `Model ${JSON.stringify(model)} not found at ${endpoint.baseUrl}; ${models}. Pass one of them as model, or set crush.model`);
  }
  if (res.status === 401 || res.status === 403) {
    return new CrushError("http", `Crush endpoint refused the request at ${url} (HTTP ${res.status}: ${message ?? excerpt(body, 200)}); set crush.api_key_env to the variable that holds its key`);
  }
  if (message === undefined) {
    return new CrushError("not_openai", `Not an OpenAI-compatible answer from ${url}: HTTP ${res.status} ${excerpt(body, 200)}; check that crush.base_url is the /v1 API (e.g. http://clustercrush:11434/v1)`);
  }
  return new CrushError("http", `Crush endpoint answered HTTP ${res.status} at ${url}: ${message}`);
}

// The message of an OpenAI-shaped error body (`{error: {message}}`, `{error: "…"}`, `{detail}`), if it is one.
function errorMessage(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const { error, detail, message } = json as { error?: unknown; detail?: unknown; message?: unknown };
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  if (typeof detail === "string") return detail;
  if (typeof message === "string") return message;
  return undefined;
}
