#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "./config/load.js";
import type { Deps } from "./deps.js";
import type { Parsed, Verb } from "./cli/verbs.js";

function usage(verbs: Verb[]): string {
  // Usage lines have grown long (the brakes): each verb's summary goes on a line of its own under it.
  const line = (u: string, summary: string) => `  ${u}\n      ${summary}`;
  return `picoclaw-fleet: run PicoClaw workers across an SSH fleet

Usage: picoclaw-fleet <command> [options]

${line("serve", "the stdio MCP server (what mcp.json runs)")}
${verbs.map((v) => line(v.usage, v.summary)).join("\n")}

Options:
  --config PATH     fleet config (default: $PICOCLAW_FLEET_CONFIG, then ~/.openclaw/workspace/config/picoclaw-fleet.json)
  --json            machine-readable output for scripts
  --hosts a,b       only these hosts        --labels x,y   only hosts with all these labels
  --plan            say what would happen, touch no host beyond a read-only probe
  --yes             answer yes to policy.confirm_above (a terminal is asked instead)
  -f, --follow      logs: each line as the task prints it    --watch   tasks: a live table
  --jsonl           with --follow or --watch: one JSON object a line, for scripts
  -h, --help        this help
`;
}

function list(value: string | undefined): string[] | undefined {
  const items = value?.split(",").map((s) => s.trim()).filter(Boolean);
  return items?.length ? items : undefined;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string" },
      json: { type: "boolean", default: false },
      hosts: { type: "string" },
      labels: { type: "string" },
      timeout: { type: "string" },
      wait: { type: "string" },
      concurrency: { type: "string" },
      version: { type: "string" },
      force: { type: "boolean", default: false },
      purge: { type: "boolean", default: false },
      teardown: { type: "boolean", default: false },
      "no-deploy": { type: "boolean", default: false },
      lines: { type: "string" },
      follow: { type: "boolean", short: "f", default: false },
      watch: { type: "boolean", default: false },
      jsonl: { type: "boolean", default: false },
      limit: { type: "string" },
      before: { type: "string" },
      status: { type: "string" },
      model: { type: "string" },
      brightness: { type: "string" },
      session: { type: "string" },
      port: { type: "string" },
      interval: { type: "string" },
      batch: { type: "string" },
      "max-failures": { type: "string" },
      canary: { type: "string" },
      plan: { type: "boolean", default: false },
      yes: { type: "boolean", default: false },
      since: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [name, ...rest] = positionals;
  if (values.help || !name || name === "help") {
    process.stdout.write(usage((await import("./cli/verbs.js")).verbs));
    return name || values.help ? 0 : 2;
  }
  if (name === "serve") {
    const { serve } = await import("./server.js");
    await serve(values.config ? { config: values.config } : {});
    return -1; // the server owns the process from here
  }
  // Loaded after `serve` was ruled out: the MCP server starts without the CLI's modules.
  const { verbs } = await import("./cli/verbs.js");
  const verb = verbs.find((v) => v.name === name);
  if (!verb) {
    process.stderr.write(`Unknown command "${name}". Run picoclaw-fleet --help for the list.\n`);
    return 2;
  }
  const parsed: Parsed = { ...values, hostsList: list(values.hosts), labelsList: list(values.labels), args: rest };
  const { openRuntime, secretValues } = await import("./runtime.js");
  const { audited } = await import("./audit/audit-call.js");
  const { packageVersion } = await import("./install-dir.js");
  let deps: Deps & { loaded: { created: boolean; path: string } };
  try {
    deps = await openRuntime({ ...(values.config ? { config: values.config } : {}), logLevel: process.env.PICOCLAW_FLEET_LOG ?? "warn" });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (deps.loaded.created) {
    process.stderr.write(`No config found: wrote a template with the "local" host to ${deps.loaded.path}; add your SSH hosts there.\n`);
  }
  try {
    if (!verb.touchesHosts) return await verb.run(deps, parsed);
    let reported: unknown;
    const call = { tool: `cli ${verb.name}`, client: { name: "picoclaw-fleet-cli", version: packageVersion() }, args: { argv }, secrets: secretValues(deps.config), logger: deps.logger };
    const out = await audited(deps.audit, call, async () => {
      const code = await verb.run(deps, { ...parsed, report: (value) => (reported = value) });
      return { ...(reported as object | undefined), exit_code: code };
    });
    return out.exit_code;
  } finally {
    // Tasks handed back as running must reach their hosts before the connections close.
    await deps.tasks.handedOff();
    await deps.webhook.flush(2000);
    await deps.fleet.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`picoclaw-fleet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
