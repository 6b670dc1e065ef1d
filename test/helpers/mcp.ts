import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { parseConfig } from "../../src/config/load.js";
import type { Deps } from "../../src/deps.js";
import { createLogger } from "../../src/log.js";
import { createServer } from "../../src/mcp/create-server.js";
import { buildDeps } from "../../src/wire.js";

/** A real server and a real client joined in memory, around a fleet built from `config`. */
export interface Harness {
  client: Client;
  deps: Deps;
  /** Calls a tool and returns its result, with structuredContent typed loosely for assertions. */
  call(name: string, args?: Record<string, unknown>, options?: { signal?: AbortSignal; onprogress?: (p: { progress: number; total?: number }) => void }): Promise<CallToolResult & { structuredContent?: any }>;
  close(): Promise<void>;
}

/** Builds deps from a config object (or a loaded one) the way the server does. */
export function depsFor(config: unknown, configPath = "(test)"): Deps {
  const parsed = parseConfig(config, configPath);
  const logger = createLogger({ level: process.env.PICOCLAW_FLEET_LOG ?? "silent" });
  return buildDeps(parsed, configPath, logger);
}

/** Starts a server around `deps` and connects a client to it in one line. */
export async function connect(deps: Deps): Promise<Harness> {
  const shutdown = new AbortController();
  const server = createServer(deps, shutdown.signal);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test", version: "0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    deps,
    call: (name, args = {}, options = {}) =>
      client.callTool({ name, arguments: args }, undefined, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onprogress ? { onprogress: options.onprogress } : {}),
        timeout: 120_000,
      }) as Promise<CallToolResult & { structuredContent?: any }>,
    close: async () => {
      shutdown.abort();
      await client.close();
      await server.close();
      await deps.fleet.close();
    },
  };
}
