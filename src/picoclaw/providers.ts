import type { FleetConfig } from "../config/schema.js";

/** PicoClaw's protocols that run without an API key (a local Ollama, a LAN vLLM, LM Studio). */
const KEYLESS = new Set(["ollama", "vllm", "lmstudio"]);

/**
 * Whether PicoClaw on the hosts needs an API key for the fleet's provider: not for a keyless
 * protocol, nor for `openai` pointed at an `api_base` (an OpenAI-compatible server on the LAN, such
 * as ClusterCrush), nor when the config names no key variable at all.
 */
export function needsApiKey(defaults: FleetConfig["defaults"]): boolean {
  if (!defaults.api_key_env) return false;
  return !KEYLESS.has(defaults.provider) && !(defaults.provider === "openai" && defaults.api_base);
}
