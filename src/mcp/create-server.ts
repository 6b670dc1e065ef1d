import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { ZodRawShape } from "zod";
import type { Deps } from "../deps.js";
import { packageVersion } from "../install-dir.js";
import { registerFleetApp } from "./fleet-app.js";
import { registerTool, type ToolDef } from "./tool.js";
import { allTools } from "./tools/index.js";

/** What `initialize` tells a model about using this fleet well (the result's `instructions`). */
export const INSTRUCTIONS = [
  "picoclaw-fleet runs PicoClaw tasks on SSH hosts. Hosts are named in the fleet config: fleet_status lists them (reachable, PicoClaw version, load); tools take those names, not addresses.",
  "To ask many hosts the same thing, call fanout once (hosts, or labels, or all), never a loop of dispatch_task. Read its text or `groups`: each distinct answer once with its hosts folded (host[01-20]); failures come with their reason.",
  "Long work: dispatch_task and fanout return after wait_s (default 45) with status running and task_ids; follow with task_status, read output with task_logs, stop with task_kill. timeout_s kills the task on its host.",
  'Brakes for risky work over many hosts: fanout with canary: 1, batch: "10%" and max_failures stops early (hosts never started come back skipped); plan: true on fanout, dispatch_task, deploy_host or teardown says what would happen and runs nothing; fanout with retry: "<fanout_id>" reruns only the failed hosts.',
  'Succeeded rows leave raw stdout/stderr out; pass output: "full" to get them, or ask task_status for one task. task_list pages with limit and before.',
].join("\n");

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
    { capabilities: { tools: {}, logging: {} }, instructions: INSTRUCTIONS },
  );
  const disabled = new Set<string>(deps.config.policy.disabled_tools);
  // The list mixes tools of different schemas; each was type-checked by defineTool in its own file.
  for (const tool of allTools as unknown as ToolDef<ZodRawShape, ZodRawShape>[]) {
    if (!disabled.has(tool.name)) registerTool(server, deps, tool, shutdown, inflight);
  }
  registerFleetApp(server);
  return server;
}
