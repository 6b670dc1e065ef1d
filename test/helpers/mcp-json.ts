import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root: where mcp.json's relative paths are resolved, the directory a client runs it in. */
export const ROOT = join(import.meta.dirname, "..", "..");

/** A way to start the stdio server: the command and its arguments, run in ROOT. */
export interface ServerCommand {
  command: string;
  args: string[];
}

/** The server as mcp.json starts it (`node dist/cli.js serve`: any Node.js from 20 on runs it). */
export function mcpJsonServer(): ServerCommand {
  const server = JSON.parse(readFileSync(join(ROOT, "mcp.json"), "utf8")).mcpServers["picoclaw-fleet"] as ServerCommand;
  return { command: server.command, args: server.args };
}

/** The same server without the snapshot. */
export const CLI_SERVE: ServerCommand = { command: "node", args: ["dist/cli.js", "serve"] };

/** The same server from its optional start-up snapshot, which only the Node.js that built it loads. */
export const SNAPSHOT_SERVE: ServerCommand = { command: "node", args: ["--snapshot-blob", "dist/serve.blob", "serve"] };
