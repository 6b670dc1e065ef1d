// Anthropic's Messages API (POST /v1/messages) as the model-API stand-in speaks it: requests read
// into ChatTurns, answers written as a message body or its SSE event stream, and errors in
// Anthropic's shape (`{"type":"error","error":{"type","message"},"request_id"}`).
import type { ChatTurn, ModelAnswer } from "./model-api-script.js";

type Block = { type: string; text?: string; id?: string; name?: string; input?: unknown; tool_use_id?: string; content?: unknown };

/** Anthropic's error body, as its API sends it. */
export function anthropicError(type: string, message: string): object {
  return { type: "error", error: { type, message }, request_id: "req_011CLabStandIn0000000000" };
}

/** The system prompt and messages of a Messages API body, as ChatTurns. */
export function readAnthropicMessages(body: Record<string, unknown>): ChatTurn[] {
  const turns: ChatTurn[] = [];
  const system = body.system;
  if (system !== undefined) turns.push({ role: "system", text: typeof system === "string" ? system : textOf(system) });
  for (const m of (body.messages as { role: "user" | "assistant"; content: unknown }[] | undefined) ?? []) {
    const blocks: Block[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : (m.content as Block[]);
    for (const r of blocks.filter((b) => b.type === "tool_result")) {
      turns.push({ role: "tool", text: textOf(r.content), toolCallId: r.tool_use_id });
    }
    const calls = blocks.filter((b) => b.type === "tool_use").map((b) => ({ id: b.id!, name: b.name!, input: b.input }));
    const text = textOf(blocks.filter((b) => b.type === "text"));
    if (text || calls.length || !blocks.some((b) => b.type === "tool_result")) {
      turns.push({ role: m.role, text, ...(calls.length ? { toolCalls: calls } : {}) });
    }
  }
  return turns;
}

/** A Messages API response body for a text or tool-use answer. */
export function anthropicMessage(model: string, answer: ModelAnswer, callId: string): object {
  const content = "text" in answer ? [{ type: "text", text: answer.text }] : [{ type: "tool_use", id: callId, name: answer.tool, input: answer.input }];
  return {
    id: `msg_lab${callId.slice(-8)}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: "text" in answer ? "end_turn" : "tool_use",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  };
}

/** The same message as the SSE events Anthropic streams (`event:` + `data:` pairs). */
export function anthropicEvents(message: ReturnType<typeof anthropicMessage>): string {
  const { content, stop_reason, usage, ...head } = message as { content: Block[]; stop_reason: string; usage: object };
  const events: [string, object][] = [["message_start", { message: { ...head, content: [], stop_reason: null, usage } }]];
  content.forEach((block, index) => {
    const isText = block.type === "text";
    events.push(["content_block_start", { index, content_block: isText ? { type: "text", text: "" } : { ...block, input: {} } }]);
    const delta = isText ? { type: "text_delta", text: block.text } : { type: "input_json_delta", partial_json: JSON.stringify(block.input) };
    events.push(["content_block_delta", { index, delta }], ["content_block_stop", { index }]);
  });
  events.push(["message_delta", { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: 10 } }], ["message_stop", {}]);
  return events.map(([type, data]) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`).join("");
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as Block[]).map((b) => (b.type === "text" ? b.text ?? "" : "")).join("");
}
