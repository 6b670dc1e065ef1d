import { join } from "node:path";
import { note, peakRssMib, ROOT, runTimed, spawnServer } from "./helpers.js";

/** Every run of the start-up comparison, in milliseconds. */
export interface StartupResult {
  /** Spawn of `node dist/cli.js serve` to the answer of `initialize`. */
  server: number[];
  /** Spawn of `node -e ''` to its exit. */
  bareNode: number[];
  /** Spawn of a node that only imports the MCP SDK's server and stdio modules, to its exit: the floor for any SDK server. */
  sdkOnly: number[];
  /** Peak RSS (MiB) of the server right after `initialize`: what it holds before any host is touched. */
  idleRssMib: number[];
}

/** Start-up of the built server against a bare node process, runs interleaved. */
export async function benchStartup(configPath: string, env: Record<string, string>, runs: number): Promise<StartupResult> {
  const r: StartupResult = { server: [], bareNode: [], sdkOnly: [], idleRssMib: [] };
  const sdk = `import "${join(ROOT, "node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.js")}"; import "${join(ROOT, "node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.js")}";`;
  for (let run = 1; run <= runs; run++) {
    r.bareNode.push((await runTimed(process.execPath, ["-e", ""])).ms);
    r.sdkOnly.push((await runTimed(process.execPath, ["--input-type=module", "-e", sdk])).ms);
    const server = await spawnServer(configPath, env);
    r.server.push(server.initializeMs);
    r.idleRssMib.push(peakRssMib(server.pid));
    await server.close();
  }
  note(`start-up: ${runs} runs of each side done`);
  return r;
}
