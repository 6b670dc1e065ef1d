import { join } from "node:path";
import { CLI_SERVE, mcpJsonServer } from "../test/helpers/mcp-json.js";
import { commandLine, note, peakRssMib, ROOT, runTimed, spawnServer } from "./helpers.js";

/** Every run of the start-up comparison, in milliseconds. */
export interface StartupResult {
  /** Spawn of the server as mcp.json starts it (the start-up snapshot) to the answer of `initialize`. */
  server: number[];
  /** mcp.json's command line (absent from runs made before it started the snapshot, when it was `node dist/cli.js serve`). */
  command?: string;
  /** Spawn of `node dist/cli.js serve`, the same server without the snapshot, to the answer of `initialize` (absent from those runs too). */
  cli?: number[];
  /** Spawn of `node -e ''` to its exit. */
  bareNode: number[];
  /** Spawn of a node that only imports the MCP SDK's server and stdio modules, to its exit: the floor for any SDK server loading its modules. */
  sdkOnly: number[];
  /** Peak RSS (MiB) of the server as mcp.json starts it, right after `initialize`: what it holds before any host is touched. */
  idleRssMib: number[];
}

/** Start-up of the built server, both ways, against a bare node process, runs interleaved. */
export async function benchStartup(configPath: string, env: Record<string, string>, runs: number): Promise<StartupResult> {
  const mcp = mcpJsonServer();
  const cli: number[] = [];
  const r: StartupResult = { server: [], command: commandLine(mcp), cli, bareNode: [], sdkOnly: [], idleRssMib: [] };
  const sdk = `import "${join(ROOT, "node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.js")}"; import "${join(ROOT, "node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.js")}";`;
  for (let run = 1; run <= runs; run++) {
    r.bareNode.push((await runTimed(process.execPath, ["-e", ""])).ms);
    r.sdkOnly.push((await runTimed(process.execPath, ["--input-type=module", "-e", sdk])).ms);
    const server = await spawnServer(configPath, env, mcp);
    r.server.push(server.initializeMs);
    r.idleRssMib.push(peakRssMib(server.pid));
    await server.close();
    const plain = await spawnServer(configPath, env, CLI_SERVE);
    cli.push(plain.initializeMs);
    await plain.close();
  }
  note(`start-up: ${runs} runs of each side done`);
  return r;
}
