// What the model-API stand-in answers: a request normalised across the two wire forms, and the
// rules a test scripts answers with. Kept apart from the wire forms so a rule reads the same
// whichever provider PicoClaw was configured with.

/** The wire form a request came in. */
export type ApiForm = "anthropic-messages" | "chat-completions";

/** One message of the conversation, as either wire form carries it. */
export interface ChatTurn {
  role: "system" | "user" | "assistant" | "tool";
  /** The text parts joined; for a tool result, the result. */
  text: string;
  /** Tool calls an assistant message made. */
  toolCalls?: { id: string; name: string; input: unknown }[];
  /** For a tool result, the id of the call it answers. */
  toolCallId?: string;
}

/** One request as the stand-in saw it: everything a test asserts on. */
export interface ModelRequest {
  form: ApiForm;
  method: string;
  path: string;
  /** Every header, names lowercased, values as sent (the key included, so a test can check where it was). */
  headers: Record<string, string>;
  /** The key from `x-api-key` or `Authorization: Bearer`, if any. */
  key?: string;
  body: Record<string, unknown>;
  model: string;
  stream: boolean;
  /** The system prompt and the messages, in order. */
  messages: ChatTurn[];
  /** The tools offered, by name. */
  tools: string[];
  /** The last user message's text ("" if none). */
  lastUser: string;
  /** Tool results that came after the last user message: the rounds of the current turn. */
  toolResults: string[];
  /** The status the stand-in answered with (set once answered). */
  status?: number;
}

/** A model's answer that the wire forms carry: text, or one tool call. */
export type ModelAnswer = { text: string } | { tool: string; input: Record<string, unknown> };

/** What the model "says" to one request, or an HTTP error; `delayMs` holds it back, for a slow model. */
export type Answer = (ModelAnswer | { status: number; body: unknown }) & { delayMs?: number };

/** An answer, or a function of the request that gives one. */
export type Responder = Answer | ((request: ModelRequest) => Answer);

/** A scripted rule: the first rule whose `match` fits the request answers it. */
export interface Rule {
  /** A string equal to, or a RegExp tested on, the last user message; or any predicate on the request. */
  match: string | RegExp | ((request: ModelRequest) => boolean);
  answer: Responder;
}

/** The default answer: the last user message, verbatim (what the stand-in `picoclaw` replies too). */
export const echo: Responder = (request) => ({ text: request.lastUser });

/**
 * A responder that has PicoClaw's own `exec` tool run `command` (its v0.2.9 schema: `action`
 * "run" is required, `command` the shell command), then, once the tool result comes back in the
 * next request, answers `quote(result)`, by default `Ran <command>: <result, trimmed>`.
 */
export function execThenQuote(command: string, quote = (result: string) => `Ran ${command}: ${result.trim()}`): Responder {
  return (request) => {
    const result = request.toolResults.at(-1);
    if (result !== undefined) return { text: quote(result) };
    return { tool: "exec", input: { action: "run", command } };
  };
}

/** The answer of the first rule that fits, else the default responder's. */
export function pickAnswer(rules: Rule[], fallback: Responder, request: ModelRequest): Answer {
  const rule = rules.find(({ match }) =>
    typeof match === "string" ? match === request.lastUser : match instanceof RegExp ? match.test(request.lastUser) : match(request),
  );
  const responder = rule?.answer ?? fallback;
  return typeof responder === "function" ? responder(request) : responder;
}

/** The last user message and the tool results after it, from the normalised messages. */
export function currentTurn(messages: ChatTurn[]): { lastUser: string; toolResults: string[] } {
  let at = messages.length - 1;
  while (at >= 0 && messages[at]!.role !== "user") at--;
  const lastUser = at >= 0 ? messages[at]!.text : "";
  const toolResults = messages.slice(at + 1).filter((m) => m.role === "tool").map((m) => m.text);
  return { lastUser, toolResults };
}
