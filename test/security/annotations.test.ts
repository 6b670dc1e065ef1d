import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { offlineFleet } from "./offline-fleet.js";

let h: Harness;

/** README's table: what a client may assume of each tool before it asks a person to approve a call. */
const ANNOTATIONS: Record<string, [readOnly: boolean, destructive: boolean, idempotent: boolean, openWorld: boolean]> = {
  fleet_status: [true, false, true, true],
  deploy_host: [false, false, true, true],
  dispatch_task: [false, true, false, true],
  fanout: [false, true, false, true],
  run_command: [false, true, false, true],
  teardown: [false, true, true, true],
  cluster_led: [false, false, true, false],
  crush_infer: [true, false, false, true],
  crush_models: [true, false, true, false],
  task_status: [true, false, true, true],
  task_logs: [true, false, true, true],
  task_list: [true, false, true, false],
  task_kill: [false, true, true, true],
};

/**
 * Input fields no tool may take: a command line, a credential, a release source, a host key or
 * policy setting, an address. These belong to the config, which only the fleet's owner writes.
 */
const OWNER_ONLY = /^(command|cmd|shell|script|argv|env|api_key.*|.*password.*|ssh_key|key|known_hosts|host_key_policy|policy|allow_adhoc_hosts|repo|api_url|url|base_url|path|cache_dir|config.*|address|port|user|jump)$/;

beforeAll(async () => {
  const fleet = await offlineFleet();
  h = await connect(depsFor(fleet.config([{ name: "local", transport: "local" }])));
});

afterAll(async () => {
  await h?.close();
});

describe("what a client is told about each tool", () => {
  it("declares the annotations README's table (and SECURITY.md) promise", async () => {
    const { tools } = await h.client.listTools();
    const got = Object.fromEntries(tools.map((t) => [t.name, [t.annotations?.readOnlyHint, t.annotations?.destructiveHint, t.annotations?.idempotentHint, t.annotations?.openWorldHint]]));
    expect(got).toEqual(ANNOTATIONS);
  });

  it("takes no command (but run_command's, its whole point), credential, address, release source or policy setting as input", async () => {
    const { tools } = await h.client.listTools();
    const fields: string[] = [];
    const walk = (schema: any, path: string): void => {
      for (const [key, sub] of Object.entries<any>(schema?.properties ?? {})) {
        fields.push(`${path}.${key}`);
        walk(sub, `${path}.${key}`);
        if (sub?.items) walk(sub.items, `${path}.${key}[]`);
      }
    };
    for (const tool of tools) walk(tool.inputSchema, tool.name);
    expect(fields.length).toBeGreaterThan(30);
    // run_command is shell code by design (SECURITY.md): a tool of its own, which the policy can switch off alone.
    expect(fields.filter((f) => OWNER_ONLY.test(f.split(".").pop()!))).toEqual(["run_command.command"]);
  });
});
