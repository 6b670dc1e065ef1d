#!/usr/bin/env node
import { pathToFileURL } from "node:url";
import { ConfigError } from "./config/load.js";
import { createServer } from "./mcp/create-server.js";
import { openRuntime } from "./runtime.js";
import { SerialStdioTransport } from "./stdio-transport.js";

/** Longest a shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 1500;

/**
 * The stdio MCP server: config -> createServer(deps) -> StdioServerTransport. stdout carries only
 * JSON-RPC; logs go to stderr. Ends cleanly (every SSH connection closed, within 2 s) when stdin
 * ends or closes, when the transport closes for any other reason, or on SIGTERM / SIGINT.
 */
export async function serve(options: { config?: string } = {}): Promise<void> {
  let runtime;
  try {
    runtime = await openRuntime(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { logger, fleet } = runtime;
  const shutdown = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  const server = createServer(runtime, shutdown.signal, inflight);
  const transport = new SerialStdioTransport();
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, "shutting down");
    shutdown.abort(new Error(`server shutting down (${why})`));
    const force = setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS + 300);
    force.unref();
    // Calls in flight kill the remote tasks they started (the client will never hear of them);
    // tasks already handed back as `running` go on, and the journal finds them after a restart.
    const grace = new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS));
    await Promise.race([Promise.allSettled([...inflight]), grace]);
    // Tasks handed back as `running` must reach their hosts before the connections close.
    await Promise.race([runtime.tasks.handedOff(), grace]);
    await runtime.webhook.flush(500);
    await Promise.race([fleet.close(), grace]);
    await server.close().catch(() => undefined);
    process.exit(0);
  };
  // The transport closes itself on a message past its 10 MiB buffer: nobody could reach us after that.
  transport.onclose = () => void stop("transport closed");
  process.stdin.on("end", () => void stop("stdin ended"));
  process.stdin.on("close", () => void stop("stdin closed"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  await server.connect(transport);
  logger.info({ config: runtime.configPath, hosts: runtime.config.hosts.length }, "picoclaw-fleet MCP server ready on stdio");
}

/** Runs `serve` as the process's main: an error it does not handle itself is one line on stderr, and exit 1. */
export function serveMain(options: { config?: string } = {}): void {
  serve(options).catch((err: unknown) => {
    process.stderr.write(`picoclaw-fleet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--config");
  serveMain(i > 0 ? { config: process.argv[i + 1]! } : {});
}
