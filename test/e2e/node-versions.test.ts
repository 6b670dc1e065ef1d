import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { INSTRUCTIONS } from "../../src/mcp/create-server.js";
import { mcpJsonServer, ROOT } from "../helpers/mcp-json.js";
import { nodeBinary } from "../helpers/node-versions.js";

// The client chooses the Node.js, not us: OpenClaw runs a server's `node` command with its own
// (24), Claude Desktop with whatever is on PATH. mcp.json's entry must start under each of them.

const config = join(mkdtempSync(join(tmpdir(), "pcf-nodes-")), "fleet.json");
writeFileSync(config, JSON.stringify({ hosts: [{ name: "local", transport: "local" }] }));

describe("mcp.json's entry under Node.js 20, 22 and 24", () => {
  for (const major of [20, 22, 24]) {
    it(`answers initialize (with the instructions) and tools/list when node is Node.js ${major}`, { timeout: 300_000 }, async () => {
      const entry = mcpJsonServer();
      expect(entry.command).toBe("node");
      const command = nodeBinary(major);
      const transport = new StdioClientTransport({ command, args: entry.args, cwd: ROOT, env: { ...process.env, PICOCLAW_FLEET_CONFIG: config } as Record<string, string>, stderr: "pipe" });
      let stderr = "";
      transport.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
      const client = new Client({ name: `node-${major}`, version: "0" });
      try {
        await client.connect(transport);
        expect(client.getServerVersion()?.name).toBe("picoclaw-fleet");
        expect(client.getInstructions()).toBe(INSTRUCTIONS);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain("fanout");
        expect(tools).toHaveLength(13);
      } catch (err) {
        throw new Error(`Node.js ${major} (${command}): ${(err as Error).message}\n${stderr}`);
      } finally {
        await client.close();
      }
    });
  }
});
