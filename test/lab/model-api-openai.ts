// OpenAI's chat completions (POST …/chat/completions) as the model-API stand-in speaks it:
// requests read into ChatTurns, answers written as one completion or its SSE chunk stream, and
// errors in OpenAI's shape (`{"error":{"message","type","param","code"}}`).
import type { ChatTurn, ModelAnswer } from "./model-api-script.js";

type Part = { type?: string; text?: string };
type WireCall = { id: string; function: { name: string; arguments: string } };
type WireMessage = { role: ChatTurn["role"] | "developer"; content?: string | Part[] | null; tool_calls?: WireCall[]; tool_call_id?: string };

/** OpenAI's error body, as its API sends it. */
export function openAiError(message: string, type: string, code: string | null): object {
  return { error: { message, type, param: null, code } };
}

/** The messages of a chat completions body, as ChatTurns. */
export function readOpenAiMessages(body: Record<string, unknown>): ChatTurn[] {
  return ((body.messages as WireMessage[] | undefined) ?? []).map((m) => {
    const text = typeof m.content === "string" ? m.content : (m.content ?? []).map((p) => p.text ?? "").join("");
    const calls = m.tool_calls?.map((c) => ({ id: c.id, name: c.function.name, input: parseArguments(c.function.arguments) }));
    return {
      role: m.role === "developer" ? "system" : m.role,
      text,
      ...(calls?.length ? { toolCalls: calls } : {}),
      ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
    };
  });
}

/** A `chat.completion` body for a text or tool-call answer. */
export function openAiCompletion(model: string, answer: ModelAnswer, callId: string): object {
  const message =
    "text" in answer
      ? { role: "assistant", content: answer.text }
      : { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: answer.tool, arguments: JSON.stringify(answer.input) } }] };
  return {
    id: `chatcmpl-lab${callId.slice(-8)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: "text" in answer ? "stop" : "tool_calls" }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/** The same completion as the SSE `chat.completion.chunk`s OpenAI streams, ending in `data: [DONE]`. */
export function openAiChunks(completion: ReturnType<typeof openAiCompletion>): string {
  const { choices, usage, ...head } = completion as { choices: { message: Record<string, unknown>; finish_reason: string }[]; usage: object };
  const { message, finish_reason } = choices[0]!;
  const calls = (message.tool_calls as object[] | undefined)?.map((c, index) => ({ index, ...c }));
  const delta = calls ? { role: "assistant", tool_calls: calls } : { role: "assistant", content: message.content };
  const chunk = (data: object) => `data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", ...data })}\n\n`;
  return (
    chunk({ choices: [{ index: 0, delta, finish_reason: null }] }) +
    chunk({ choices: [{ index: 0, delta: {}, finish_reason }], usage }) +
    "data: [DONE]\n\n"
  );
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
