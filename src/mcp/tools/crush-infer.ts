import { z } from "zod";
import { CrushError } from "../../crush/endpoint.js";
import { infer } from "../../crush/infer.js";
import { inferText } from "../../results/tool-texts.js";
import { defineTool, ToolError } from "../tool.js";
import { orNull } from "./shared-schemas.js";

const message = z.object({
  role: z.enum(["system", "user", "assistant"]).describe("Who speaks: system (instructions), user (the ask) or assistant (an earlier answer)"),
  content: z.string().min(1).max(200_000).describe("The text of this message"),
});

/** `crush_infer`: one streamed chat completion on ClusterCrush's OpenAI-compatible endpoint (CONTRACT.md). */
export const crushInferTool = defineTool({
  name: "crush_infer",
  title: "Run inference on ClusterCrush",
  description:
    "Sends a prompt (or a chat) to the appliance's local OpenAI-compatible inference server (crush.base_url, " +
    "usually Ollama on ClusterCrush) and returns the whole answer with its speed. Tokens are streamed as progress " +
    "notifications. Use crush_models to see which models exist.",
  input: {
    prompt: z.string().min(1).max(200_000).optional().describe("The user message to answer; sent after messages when both are given"),
    messages: z.array(message).min(1).max(200).optional().describe("A whole conversation, oldest first, instead of (or before) prompt"),
    system: z.string().min(1).max(50_000).optional().describe("Instructions placed first, as a system message"),
    model: z.string().min(1).max(200).optional().describe("Model id as crush_models lists it, e.g. llama3.2:3b; default crush.model"),
    max_tokens: z.number().int().min(1).max(32_768).optional().describe("Most tokens to generate; default: the server's"),
    temperature: z.number().min(0).max(2).optional().describe("Sampling temperature, 0 (deterministic) to 2; default: the server's"),
    timeout_s: z.number().int().min(1).max(3600).optional().describe("Give up (and close the connection) after this many seconds; default crush.timeout_s"),
  },
  output: {
    model: z.string().describe("The model that answered"),
    text: z.string().describe("The whole generated text"),
    finish_reason: orNull(z.string(), "stop, length, … as the server said; null when it said nothing"),
    usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }),
    tokens_per_s: z.number().describe("Completion tokens per second, from the first token to the end"),
    time_to_first_token_ms: z.number().describe("From sending the request to the first token"),
    duration_ms: z.number().describe("The whole request"),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  text: inferText,
  async run(args, ctx) {
    try {
      return await infer(ctx.deps.config.crush, args, {
        signal: ctx.signal,
        onToken: (text, chunks) => ctx.progress(chunks, args.max_tokens, text),
      });
    } catch (err) {
      throw err instanceof CrushError ? new ToolError(err.message) : err;
    }
  },
});
