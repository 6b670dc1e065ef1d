import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TOOL_NAMES } from "../../src/config/schema.js";
import { allTools } from "../../src/mcp/tools/index.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { offlineFleet } from "./offline-fleet.js";

let h: Harness;
let toolNames: string[];

/** A valid call of each tool: the base that one field at a time is made hostile. */
const VALID: Record<string, Record<string, unknown>> = {
  fleet_status: { hosts: ["refusing"] },
  deploy_host: { host: "refusing" },
  dispatch_task: { task: "hi", host: "refusing" },
  fanout: { task: "hi", hosts: ["refusing"] },
  run_command: { command: "true", hosts: ["refusing"] },
  teardown: { hosts: ["refusing"] },
  cluster_led: { action: "fill", color: "red" },
  crush_infer: { prompt: "hi" },
  crush_models: {},
  task_status: { task_id: "t-abcdef-01234567" },
  task_logs: { task_id: "t-abcdef-01234567" },
  task_list: {},
  task_kill: { task_id: "t-abcdef-01234567" },
};

type Answer = { isError?: boolean; content?: unknown; structuredContent?: unknown };

const textOf = (res: Answer) => (res.content as { type: string; text: string }[]).map((c) => c.text).join("\n");

/**
 * Calls a tool as a client on the wire would (arguments through JSON), within 20 s. The SDK
 * client checks structuredContent against the tool's outputSchema and throws if it does not match.
 */
async function call(name: string, args: unknown): Promise<Answer | McpError> {
  const wire = args === undefined ? undefined : JSON.parse(JSON.stringify(args));
  try {
    return (await h.client.callTool({ name, arguments: wire }, undefined, { timeout: 20_000 })) as Answer;
  } catch (err) {
    // A protocol-level refusal (arguments that are not an object) is an answer too; a result that
    // breaks the tool's own outputSchema is not.
    if (err instanceof McpError && !/does not match the tool's output schema|timed out/i.test(err.message)) return err;
    throw err;
  }
}

/** A value that is wrong for most fields: wrong types, out-of-range numbers, hostile strings. */
const hostile = fc.oneof(
  fc.constantFrom(null, true, false, -1, 0, 0.5, 1.5, -1e9, 1e9, 65_536, 1e21, 2 ** 53 + 2),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", "\u0000", "a\u0000b", "../../etc/passwd", "/etc/passwd", "$(id)", "`id`", "; rm -rf ~", "--help", "-m", "\u202Egnp.exe", "x".repeat(300_000)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

const def = (name: string) => allTools.find((t) => t.name === name)!;

beforeAll(async () => {
  const fleet = await offlineFleet();
  h = await connect(depsFor(fleet.config([{ name: "local", transport: "local" }, { name: "refusing", labels: ["lab"] }])));
  toolNames = (await h.client.listTools()).tools.map((t) => t.name);
});

afterAll(async () => {
  await h?.close();
});

describe("tool inputs", () => {
  it("lists exactly the tools policy.disabled_tools can name", () => {
    expect([...toolNames].sort()).toEqual([...TOOL_NAMES].sort());
  });

  it("bounds every number, string and array of every tool's input schema", async () => {
    const unbounded: string[] = [];
    const walk = (schema: any, path: string): void => {
      if (!schema || typeof schema !== "object") return;
      const type = schema.type;
      if ((type === "number" || type === "integer") && (schema.minimum ?? schema.exclusiveMinimum) === undefined) unbounded.push(`${path}: no minimum`);
      if ((type === "number" || type === "integer") && (schema.maximum ?? schema.exclusiveMaximum) === undefined) unbounded.push(`${path}: no maximum`);
      if (type === "string" && schema.maxLength === undefined && !schema.enum && schema.const === undefined) unbounded.push(`${path}: no maxLength`);
      if (type === "array" && schema.maxItems === undefined) unbounded.push(`${path}: no maxItems`);
      for (const [key, sub] of Object.entries(schema.properties ?? {})) walk(sub, `${path}.${key}`);
      if (schema.items) walk(schema.items, `${path}[]`);
      for (const sub of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(sub, path);
    };
    for (const tool of (await h.client.listTools()).tools) walk(tool.inputSchema, tool.name);
    expect(unbounded).toEqual([]);
  });

  it("answers random JSON arguments to every tool, and the server keeps serving", async () => {
    const fields = [...new Set(allTools.flatMap((t) => Object.keys(t.input)))];
    const args = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), fc.oneof(hostile, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...toolNames), args, async (name, a) => {
        const res = await call(name, a);
        if (res instanceof McpError) {
          // Only arguments that are not an object are refused at the JSON-RPC level, naming them.
          expect(typeof a === "object" && a !== null && !Array.isArray(a)).toBe(false);
          expect(res.message).toMatch(/arguments/);
          return;
        }
        expect(Array.isArray(res.content)).toBe(true);
        if (res.isError) expect(textOf(res).length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
    await expect(h.client.ping()).resolves.toBeDefined();
  });

  it("names the field in every refusal of a hostile value, as zod reports it through the SDK", async () => {
    const cases = fc.constantFrom(...toolNames).chain((name) => {
      const keys = Object.keys(def(name).input);
      return fc.tuple(fc.constant(name), keys.length ? fc.constantFrom(...keys) : fc.constant("unused"), hostile);
    });
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(cases, async ([name, field, value]) => {
        if (!(field in def(name).input)) return;
        const args = JSON.parse(JSON.stringify({ ...VALID[name], [field]: value }));
        const valid = z.object(def(name).input).safeParse(args).success;
        const res = await call(name, args);
        if (res instanceof McpError) throw res;
        if (valid) return; // a value the schema accepts: the call ran and answered (checked by call)
        refused++;
        expect(res.isError, `${name}.${field} = ${JSON.stringify(value)?.slice(0, 60)}`).toBe(true);
        const text = textOf(res);
        expect(text).toContain(`Invalid arguments for tool ${name}`);
        expect(text).toMatch(new RegExp(`\\b${field}\\b`));
      }),
      { numRuns: 600 },
    );
    expect(refused).toBeGreaterThan(100);
  });
});

/** Strings a prompt-injected client might send: any text at all, plus the classics. */
const text = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).filter((s) => !s.includes("\u0000")),
  fc.constantFrom("$(touch pwned)", "`touch pwned`", "'; touch pwned; '", "\"; touch pwned; \"", "a\nb", "--help", "-m", "\u202Etxt.exe", "../../x"),
);
const someHosts = fc.subarray(["local", "refusing"], { minLength: 1 });
const small = { wait_s: fc.integer({ min: 0, max: 3 }), timeout_s: fc.integer({ min: 1, max: 5 }) };

/** Calls that pass validation, with hostile text wherever the schema takes text: they reach the handlers. */
const wellFormed: fc.Arbitrary<[string, Record<string, unknown>]> = fc.oneof(
  fc.record({ task: text, host: fc.constantFrom("local", "refusing", "auto"), session: text, model: text, deploy: fc.boolean(), teardown: fc.boolean(), ...small }, { requiredKeys: ["task"] }).map((a) => ["dispatch_task", a] as [string, Record<string, unknown>]),
  fc.record({ task: text, hosts: someHosts, labels: fc.array(text, { minLength: 1, maxLength: 2 }), concurrency: fc.integer({ min: 1, max: 4 }), teardown: fc.boolean(), ...small }, { requiredKeys: ["task"] }).map((a) => ["fanout", a] as [string, Record<string, unknown>]),
  // Random shell code runs only where nothing listens: never on `local`, this machine.
  fc.record({ command: text, hosts: fc.constant(["refusing"]), concurrency: fc.integer({ min: 1, max: 4 }), ...small }, { requiredKeys: ["command", "hosts"] }).map((a) => ["run_command", a] as [string, Record<string, unknown>]),
  fc.record({ hosts: someHosts, purge: fc.boolean() }, { requiredKeys: ["hosts"] }).map((a) => ["teardown", a] as [string, Record<string, unknown>]),
  fc.record({ host: fc.constantFrom("local", "refusing"), version: fc.constantFrom("latest", "v0.2.9", "1.2.3-rc.1"), force: fc.boolean() }, { requiredKeys: ["host"] }).map((a) => ["deploy_host", a] as [string, Record<string, unknown>]),
  fc.record({ hosts: someHosts, labels: fc.array(text, { minLength: 1, maxLength: 2 }) }, { requiredKeys: [] }).map((a) => ["fleet_status", a] as [string, Record<string, unknown>]),
  fc.record({ action: fc.constantFrom("set", "fill", "progress", "pulse", "clear", "get"), color: text.filter((s) => s.length <= 16), percent: fc.integer({ min: 0, max: 100 }), brightness: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: ["action"] }).map((a) => ["cluster_led", a] as [string, Record<string, unknown>]),
  fc.record({ prompt: text, system: text, model: text, timeout_s: fc.integer({ min: 1, max: 3 }) }, { requiredKeys: ["prompt"] }).map((a) => ["crush_infer", a] as [string, Record<string, unknown>]),
  fc.record({ status: fc.constantFrom("running", "failed"), host: text }, { requiredKeys: [] }).map((a) => ["task_list", a] as [string, Record<string, unknown>]),
);

describe("well-formed calls with hostile text", () => {
  it("reach the handlers and always answer, either a result its outputSchema accepts or an error with a message", async () => {
    await fc.assert(
      fc.asyncProperty(wellFormed, async ([name, args]) => {
        const res = await call(name, args);
        if (res instanceof McpError) throw res;
        if (res.isError) expect(textOf(res), `${name} ${JSON.stringify(args).slice(0, 200)}`).toMatch(/\w/);
        else expect(res.structuredContent).toBeDefined();
      }),
      { numRuns: 300 },
    );
    await expect(h.client.ping()).resolves.toBeDefined();
    expect(existsSync(join(homedir(), "pwned"))).toBe(false);
  });

  it("refuses a NUL byte in session or model, naming the field (argv cannot carry it)", async () => {
    for (const field of ["session", "model"]) {
      const res = (await call("dispatch_task", { task: "hi", host: "refusing", [field]: "a\u0000b" })) as Answer;
      expect(res.isError, field).toBe(true);
      expect(textOf(res)).toMatch(new RegExp(`\\b${field}\\b`));
    }
  });
});

describe("task ids", () => {
  const HOSTILE_IDS = [
    "../../../etc/passwd", "/etc/passwd", "t-abcdef-01234567/../../..", "..", ".", "t-abcdef-0123456/", "t-abcdef-01234567\n",
    "t-abcdef-01234567;rm -rf ~", "$(touch /tmp/pwned)", "`id`", "t-abcdef-0123456'", "t-ABCDEF-01234567", "~/.ssh/id_rsa",
    "t-abcdef-0123456\u0000", "t-аbcdef-01234567", "-rf", "*",
  ];

  it("refuses anything but the exact shape before any host is asked", async () => {
    const ids = fc.oneof(fc.constantFrom(...HOSTILE_IDS), fc.string({ maxLength: 70 }), fc.string({ unit: "binary", maxLength: 30 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("task_status", "task_logs", "task_kill"), ids, async (tool, id) => {
        fc.pre(!/^t-[a-z0-9]{6,12}-[a-f0-9]{8}$/.test(id));
        const before = h.deps.fleet.stats().execs;
        const res = await call(tool, { task_id: id });
        if (res instanceof McpError) throw res;
        expect(res.isError).toBe(true);
        expect(textOf(res)).toMatch(/task_id/);
        expect(h.deps.fleet.stats().execs).toBe(before);
      }),
      { numRuns: 300, examples: HOSTILE_IDS.map((id) => ["task_status", id] as [string, string]) },
    );
  });

  it("answers a well-formed id that this server never issued with 'Unknown task'", async () => {
    const res = await call("task_kill", { task_id: "t-abcdef-01234567" });
    expect(textOf(res as Answer)).toMatch(/^Unknown task t-abcdef-01234567: not in the journal/);
  });
});

describe("host names", () => {
  it("refuses any name not in the config, for every tool that takes one, before any host is asked", async () => {
    const name = fc.string({ maxLength: 80 }).filter((s) => !["local", "refusing", "auto"].includes(s));
    const calls: Record<string, (n: string) => Record<string, unknown>> = {
      fleet_status: (n) => ({ hosts: ["refusing", n] }),
      deploy_host: (n) => ({ host: n }),
      dispatch_task: (n) => ({ host: n, task: "hi" }),
      fanout: (n) => ({ task: "hi", hosts: ["refusing", n] }),
      teardown: (n) => ({ hosts: [n] }),
    };
    const perHost = (n: string) => ({ tasks: [{ host: "refusing", task: "a" }, { host: n, task: "b" }] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(calls), "fanout tasks"), name, async (tool, n) => {
        const before = h.deps.fleet.stats().execs;
        const res = await call(tool.split(" ")[0]!, tool === "fanout tasks" ? perHost(n) : calls[tool]!(n));
        if (res instanceof McpError) throw res;
        expect(res.isError).toBe(true);
        expect(textOf(res)).toMatch(n.length === 0 || n.length > 255 ? /host/ : /^Unknown host ".*": not in the config/s);
        expect(h.deps.fleet.stats().execs).toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});

describe("strict inputs", () => {
  it("a misspelt field is an error naming it, not a silent default", async () => {
    const h = await connect(depsFor({ hosts: [{ name: "local", transport: "local" }] }));
    try {
      const res = await h.call("dispatch_task", { task: "x", host: "local", timeout: 5 });
      expect(res.isError).toBe(true);
      expect((res.content as { text: string }[])[0]!.text).toMatch(/Unrecognized key: "timeout"/);
      const { tools } = await h.client.listTools();
      for (const tool of tools) expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    } finally {
      await h.close();
    }
  });
});
