import type { FleetConfig } from "../config/schema.js";
import { streamChat, type ChatMessage, type ChatResult } from "./chat-stream.js";
import { CrushError, endpointFromConfig } from "./endpoint.js";
import { describeModels } from "./models.js";

/** What a person or an agent asks of ClusterCrush; every field but the text is optional. */
export interface InferRequest {
  prompt?: string;
  messages?: ChatMessage[];
  /** Put first, as a `system` message. */
  system?: string;
  /** Default: `crush.model`. */
  model?: string;
  max_tokens?: number;
  temperature?: number;
  /** Default: `crush.timeout_s`. */
  timeout_s?: number;
}

/**
 * One inference against `crush.base_url`, shared by the `crush_infer` tool and the `infer` verb:
 * resolves the model, the messages and the timeout from the request and the config, then streams.
 */
export async function infer(
  crush: FleetConfig["crush"],
  req: InferRequest,
  options: { signal?: AbortSignal; onToken?: (text: string, chunks: number) => void } = {},
): Promise<ChatResult> {
  const endpoint = endpointFromConfig(crush);
  const messages: ChatMessage[] = [];
  if (req.system !== undefined) messages.push({ role: "system", content: req.system });
  messages.push(...(req.messages ?? []));
  if (req.prompt !== undefined) messages.push({ role: "user", content: req.prompt });
  if (!messages.some((m) => m.role !== "system")) {
    throw new CrushError("config", "Expected prompt or messages, got neither: pass the text to send as prompt");
  }
  const model = req.model ?? crush.model;
  if (!model) {
    const models = await describeModels(endpoint, options.signal);
    throw new CrushError("config", `No model given and crush.model is not set; ${models}. Pass one as model, or set crush.model`);
  }
  return streamChat(endpoint, {
    model,
    messages,
    maxTokens: req.max_tokens,
    temperature: req.temperature,
    timeoutMs: (req.timeout_s ?? crush.timeout_s) * 1000,
    signal: options.signal,
    onToken: options.onToken,
  });
}
