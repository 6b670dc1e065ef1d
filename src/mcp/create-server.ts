import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ZodRawShape } from "zod";
import type { Deps } from "../deps.js";
import { packageVersion } from "../install-dir.js";
import { registerTool, type ToolDef } from "./tool.js";
import { allTools } from "./tools/index.js";

/**
 * Builds the MCP server around its dependencies; the transport is the caller's business
 * (stdio in src/server.ts, an in-memory pair in tests). Tools disabled by `policy.disabled_tools`
 * are not registered at all, so a client never sees them. `shutdown` aborts every call in flight;
 * `inflight` holds their promises, so a shutdown can wait for them to kill their remote work.
 * `version`, reported in `initialize`, is package.json's unless given.
 */
export function createServer(
  deps: Deps,
  shutdown: AbortSignal = new AbortController().signal,
  inflight: Set<Promise<unknown>> = new Set(),
  version: string = packageVersion(),
): McpServer {
  const server = new McpServer(
    { name: "picoclaw-fleet", version },
    { capabilities: { tools: {}, logging: {} } },
  );
  const disabled = new Set<string>(deps.config.policy.disabled_tools);
  // The list mixes tools of different schemas; each was type-checked by defineTool in its own file.
  for (const tool of allTools as unknown as ToolDef<ZodRawShape, ZodRawShape>[]) {
    if (!disabled.has(tool.name)) registerTool(server, deps, tool, shutdown, inflight);
  }
  return server;
}
