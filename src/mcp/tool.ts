import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { audited } from "../audit/audit-call.js";
import type { Deps } from "../deps.js";
import type { Confirm } from "../operations/confirm.js";
import { scrubDeep, scrubSecrets } from "../log.js";
import { fitBudget, RESULT_BUDGET_BYTES, wholeTaskBudget } from "../results/budget.js";
import { secretValues } from "../runtime.js";
import { appToolMeta } from "./fleet-app.js";
import { withinRequestBudget } from "./tools/shared-schemas.js";

/** All four MCP annotations, always set explicitly (CONTRACT.md). */
export interface Annotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool handler gets besides its arguments: plain callbacks and a signal, no MCP objects. */
export interface ToolContext {
  deps: Deps;
  /** Fires when the client cancels the request (notifications/cancelled) or the server shuts down. */
  signal: AbortSignal;
  /** Sends notifications/progress when the client gave a progress token; a no-op otherwise. */
  progress: (progress: number, total?: number, message?: string) => void;
  /** Asks the person through the client (MCP elicitation, form mode); absent when the client did not declare it. */
  confirm?: Confirm | undefined;
}

/** A tool failure that the client should see as `isError: true` with this message. */
export class ToolError extends Error {
  override name = "ToolError";
}

/** One tool: schema, annotations and a handler that translates to an operation call. */
export interface ToolDef<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Annotations;
  /** The text block, written for the model that reads it (CONTRACT.md, "Results a model reads"); default: the result as compact JSON. */
  text?(out: z.infer<z.ZodObject<O>>): string;
  /** Set on tools that return one task's whole output (task_status): their byte budget fits both capped streams. */
  wholeTask?: true;
  /** Set on tools whose result the fleet page renders (MCP Apps: `_meta.ui.resourceUri`); their text block is unchanged. */
  app?: true;
  /** Set on tools that reach hosts: each call is recorded in the audit trail (src/audit). */
  touchesHosts?: true;
  run(args: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<z.infer<z.ZodObject<O>>>;
}

/** Keeps the generic parameters of a tool definition checked at its own file. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(def: ToolDef<I, O>): ToolDef<I, O> {
  return def;
}

/**
 * structuredContent and the text block written from it, together within the result budget
 * (src/results/budget.ts): whatever hosts print, one result stays far below what a client accepts.
 */
function toolResult(value: object, text: string, budget: number): CallToolResult {
  const fitted = fitBudget(value, text, budget);
  return {
    structuredContent: fitted.structured as Record<string, unknown>,
    content: [{ type: "text", text: fitted.text }],
  };
}

/** An error result whose message says what to do next. */
function toolErrorResult(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}

/** Registers one tool on the server, wiring progress, cancellation, error translation and secret scrubbing. */
export function registerTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  server: McpServer,
  deps: Deps,
  def: ToolDef<I, O>,
  shutdown: AbortSignal,
  inflight: Set<Promise<unknown>>,
): void {
  server.registerTool(
    def.name,
    {
      title: def.title,
      description: def.description,
      // Strict: a misspelt field (timeout for timeout_s) is an error naming it, not a silent default.
      inputSchema: z.object(def.input).strict().superRefine(withinRequestBudget),
      outputSchema: def.output,
      annotations: { title: def.title, ...def.annotations },
      ...(def.app ? { _meta: appToolMeta() } : {}),
    },
    (async (args: z.infer<z.ZodObject<I>>, extra: ExtraLike) => {
      const token = extra._meta?.progressToken;
      const progress: ToolContext["progress"] = (value, total, message) => {
        if (token === undefined) return;
        extra
          .sendNotification({
            method: "notifications/progress",
            params: { progressToken: token, progress: value, total, message },
          })
          .catch((err: unknown) => deps.logger.debug({ err: String(err) }, "progress notification not sent"));
      };
      const signal = AbortSignal.any([extra.signal, shutdown]);
      const started = Date.now();
      const secrets = secretValues(deps.config);
      const confirm = server.server.getClientCapabilities()?.elicitation?.form ? elicitConfirm(server, signal) : undefined;
      const call = () => def.run(args, { deps, signal, progress, confirm });
      const client = server.server.getClientVersion();
      const work = def.touchesHosts ? audited(deps.audit, { tool: def.name, client: client ? { name: client.name, version: client.version } : null, args, secrets, logger: deps.logger }, call) : call();
      inflight.add(work);
      void work.catch(() => undefined).finally(() => inflight.delete(work));
      try {
        const raw = await work;
        deps.logger.debug({ tool: def.name, ms: Date.now() - started }, "tool done");
        const out = (secrets.length ? scrubDeep(raw, secrets) : raw) as typeof raw;
        const budget = def.wholeTask ? wholeTaskBudget(deps.config.tasks.output_cap_bytes) : RESULT_BUDGET_BYTES;
        return toolResult(out, def.text ? def.text(out) : JSON.stringify(out), budget);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (!(err instanceof ToolError)) deps.logger.error({ tool: def.name, err: message }, "tool failed");
        return toolErrorResult(scrubSecrets(message, secrets));
      }
    }) as never,
  );
}

/** The person's yes or no, asked through the client in form mode; an unchecked box counts as no. */
function elicitConfirm(server: McpServer, signal: AbortSignal): Confirm {
  return async (question) => {
    const answer = await server.server.elicitInput(
      {
        mode: "form",
        message: question,
        requestedSchema: { type: "object", properties: { confirm: { type: "boolean", title: "Run it", description: "Tick to let this call touch every one of these hosts", default: true } } },
      },
      { signal },
    );
    return answer.action === "accept" && answer.content?.confirm === false ? "decline" : answer.action;
  };
}

interface ExtraLike {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (n: {
    method: "notifications/progress";
    params: { progressToken: string | number; progress: number; total?: number; message?: string };
  }) => Promise<void>;
}
