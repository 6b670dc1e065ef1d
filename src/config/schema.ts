import { z } from "zod";

/** Architectures PicoClaw ships release archives for. */
export const ARCHES = ["amd64", "arm64", "riscv64", "armv7", "armv6", "loong64", "mipsle", "s390x"] as const;
export type Arch = (typeof ARCHES)[number];

/** Every tool the MCP server offers, as `policy.disabled_tools` may name them. */
export const TOOL_NAMES = [
  "fleet_status", "deploy_host", "dispatch_task", "fanout", "teardown", "cluster_led",
  "crush_infer", "crush_models", "task_status", "task_logs", "task_list", "task_kill", "run_command",
] as const;

/** The tools that change hosts, which `policy.allowed_labels` can confine to labelled hosts. */
const POLICY_TOOLS = ["dispatch_task", "fanout", "teardown", "deploy_host", "run_command"] as const;
export type PolicyTool = (typeof POLICY_TOOLS)[number];

// Names become file names on the orchestrator and labels in logs: keep them boring.
const hostName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "expected a name of letters, digits, '.', '_' or '-'");

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected the name of an environment variable");

/** One worker host. Only `name` is required; everything else has a default or comes from ~/.ssh/config. */
export const hostSchema = z.strictObject({
  name: hostName,
  transport: z.enum(["ssh", "local"]).default("ssh"),
  host: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  arch: z.enum(ARCHES).optional(),
  ssh_key: z.string().min(1).optional(),
  password_env: envName.optional(),
  jump: z.string().min(1).optional(),
  labels: z.array(z.string().min(1)).default([]),
});
export type HostConfig = z.infer<typeof hostSchema>;

const ledSchema = z.strictObject({
  backend: z.enum(["http", "ssh", "sim"]).default("sim"),
  url: z.string().url().default("http://clusterclaw:7777"),
  state_file: z.string().optional(),
  chip: z.string().default("/dev/gpiochip0"),
  data_pin: z.number().int().min(0).max(63).default(23),
  clock_pin: z.number().int().min(0).max(63).default(24),
  activity: z.boolean().default(false),
});

export const configSchema = z.strictObject({
  hosts: z.array(hostSchema).default([]),
  defaults: z
    .strictObject({
      provider: z.string().min(1).default("anthropic"),
      api_key_env: envName.optional(),
      model: z.string().min(1).optional(),
      api_base: z.string().url().optional(),
      /** POSTed the completion record of each task and fan-out as it ends (it may carry a token: never logged). */
      webhook_url: z.string().url().optional(),
      /** Also write the key to ~/.picoclaw/.env as the original skill did (PicoClaw itself never reads it). */
      write_env_file: z.boolean().default(false),
      timeout_s: z.number().int().min(1).max(86_400).default(120),
      concurrency: z.number().int().min(1).max(1024).default(32),
      wait_s: z.number().int().min(0).max(55).default(45),
    })
    .prefault({}),
  release: z
    .strictObject({
      repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "expected owner/name").default("sipeed/picoclaw"),
      version: z.string().min(1).default("latest"),
      api_url: z.string().url().default("https://api.github.com"),
      cache_dir: z.string().default("~/.cache/picoclaw-fleet"),
    })
    .prefault({}),
  ssh: z
    .strictObject({
      known_hosts: z.string().default("~/.ssh/known_hosts"),
      host_key_policy: z.enum(["strict", "accept-new", "off"]).default("strict"),
      connect_timeout_s: z.number().min(0.1).max(300).default(10),
      keepalive_s: z.number().min(0).max(3600).default(15),
      idle_s: z.number().min(0).max(86_400).default(300),
      max_channels: z.number().int().min(1).max(9).default(8),
      config_file: z.string().default("~/.ssh/config"),
    })
    .prefault({}),
  tasks: z
    .strictObject({
      journal: z.string().default("~/.local/state/picoclaw-fleet/tasks.jsonl"),
      /** Past this size the journal starts a new file; the one before is kept, older ones go (unfinished tasks carried over). */
      journal_max_bytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
      retention_s: z.number().int().min(0).default(0),
      output_cap_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
      /** Bytes a task may write on its host (stdout or stderr) before it is killed: a runaway agent must not fill the disk. */
      max_output_bytes: z.number().int().min(1024 * 1024).max(64 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
    })
    .prefault({}),
  claw: z
    .strictObject({
      host: z.string().optional(),
      led: ledSchema.prefault({}),
    })
    .prefault({}),
  crush: z
    .strictObject({
      base_url: z.string().url().default("http://clustercrush:11434/v1"),
      model: z.string().optional(),
      api_key_env: envName.optional(),
      timeout_s: z.number().min(1).max(3600).default(120),
    })
    .prefault({}),
  policy: z
    .strictObject({
      // Security: an enum, so a misspelt tool name is a config error rather than a rule that never applies.
      disabled_tools: z.array(z.enum(TOOL_NAMES)).default([]),
      allowed_labels: z
        .partialRecord(z.enum(POLICY_TOOLS), z.array(z.string().min(1)).min(1, "expected at least one label (to switch a tool off, use disabled_tools)"))
        .default({}),
      /** A destructive call touching more hosts than this asks the person first (MCP elicitation); absent: never asks. */
      confirm_above: z.number().int().min(0).max(100_000).optional(),
    })
    .prefault({}),
  audit: z
    .object({
      /** The tamper-evident record of every host-touching call; default beside the task journal. */
      path: z.string().min(1).optional(),
      /** Past this size the audit file moves to `.1` and a new one continues the hash chain. */
      max_bytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
    })
    .prefault({}),
  allow_adhoc_hosts: z.boolean().default(false),
});

/** The validated config with every default filled in. */
export type FleetConfig = z.infer<typeof configSchema>;
