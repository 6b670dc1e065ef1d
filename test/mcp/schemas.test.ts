import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";

// Single-type JSON-schema dialects (Gemini's OpenAPI subset, the MCP Inspector's --strict) refuse
// `"type": ["number", "null"]`; every schema a client sees keeps one type per schema.

let h: Harness;

beforeAll(async () => {
  h = await connect(depsFor({ hosts: [{ name: "local", transport: "local" }], tasks: { journal: join(mkdtempSync(join(tmpdir(), "pcf-schemas-")), "tasks.jsonl") } }));
});

afterAll(async () => {
  await h?.close();
});

/** Every place in a JSON schema whose `type` is an array, as a path. */
function typeArrays(schema: unknown, path: string): string[] {
  if (!schema || typeof schema !== "object") return [];
  const here = Array.isArray((schema as { type?: unknown }).type) ? [`${path}: ${JSON.stringify((schema as { type: unknown }).type)}`] : [];
  return [...here, ...Object.entries(schema).flatMap(([k, v]) => typeArrays(v, `${path}.${k}`))];
}

describe("tools/list schemas", () => {
  it("have no type arrays in any tool's input or output schema", async () => {
    const { tools } = await h.client.listTools();
    expect(tools).toHaveLength(13);
    const found = tools.flatMap((t) => [...typeArrays(t.inputSchema, `${t.name}.inputSchema`), ...typeArrays(t.outputSchema, `${t.name}.outputSchema`)]);
    expect(found).toEqual([]);
  });

  it("still describe what the tools return: the SDK's own output validation passes with null fields", async () => {
    const status = await h.call("fleet_status", {});
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent.hosts[0]).toMatchObject({ name: "local", reachable: true });
    const nullable = (await h.client.listTools()).tools.find((t) => t.name === "fleet_status")!.outputSchema as any;
    expect(nullable.properties.hosts.items.properties.latency_ms.anyOf).toEqual([expect.objectContaining({ type: "number" }), { type: "null" }]);
    const list = await h.call("task_list", { limit: 5 });
    expect(list.isError).toBeFalsy();
    expect(list.structuredContent).toEqual({ tasks: [] });
    expect((list.content as { text: string }[])[0]!.text).toBe("task_list: 0 tasks, newest first");
  });
});
