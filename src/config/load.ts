import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { z } from "zod";
import { expandHome, SKILL_CONFIG_PATH } from "./paths.js";
import { configSchema, type FleetConfig } from "./schema.js";
import { knownKeysAt, unknownKeyHint } from "./unknown-keys.js";

/** The config a new user starts from: this machine as the one host, so the first calls work. */
export const TEMPLATE = {
  hosts: [{ name: "local", transport: "local" }],
  defaults: { provider: "anthropic", api_key_env: "ANTHROPIC_API_KEY" },
};

/** A config that cannot be used: one line per problem, each naming its JSON path. */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`Invalid config ${path}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: FleetConfig;
  path: string;
  /** True when the file was missing and the template was written there. */
  created: boolean;
}

/** Where the config is, first match wins: --config, $PICOCLAW_FLEET_CONFIG, the skill's path. */
export function configPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return expandHome(explicit ?? env.PICOCLAW_FLEET_CONFIG ?? SKILL_CONFIG_PATH);
}

/** `hosts[2].port`: a zod issue path the way a person reads JSON. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out || "(root)";
}

/**
 * One line per zod issue, e.g. `hosts[2].port: expected integer, got "22"`; one line per unknown
 * key, with the nearest known one (`polcy: unknown key; did you mean policy?`).
 */
function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(configSchema, issue.path);
      return issue.keys.map((key) => `${jsonPath([...issue.path, key])}: ${unknownKeyHint(key, known)}`);
    }
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? "" : `, got ${JSON.stringify(got)?.slice(0, 60)}`;
    return [`${jsonPath(issue.path)}: ${issue.message.replace(/^Invalid input: /, "")}${issue.code === "invalid_type" ? shown : ""}`];
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Validates parsed JSON, adding the checks zod alone cannot make (unique names, jump targets). */
export function parseConfig(input: unknown, path = "(inline)"): FleetConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(path, formatIssues(result.error.issues, input));
  const config = result.data;
  const problems: string[] = [];
  const seen = new Map<string, number>();
  config.hosts.forEach((h, i) => {
    if (seen.has(h.name)) problems.push(`hosts[${i}].name: "${h.name}" is already used by hosts[${seen.get(h.name)}]`);
    seen.set(h.name, i);
    if (h.transport === "local" && h.jump) problems.push(`hosts[${i}].jump: a local host cannot jump`);
  });
  if (problems.length) throw new ConfigError(path, problems);
  return config;
}

/**
 * Loads the config from the first place it is found. A missing file is created from the template
 * (the skill's behaviour) so the server still starts; a broken one throws a ConfigError.
 */
export async function loadConfig(explicit?: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const path = configPath(explicit, env);
  let text: string;
  let created = false;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new ConfigError(path, [`(file): ${(err as Error).message}`]);
    text = `${JSON.stringify(TEMPLATE, null, 2)}\n`;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { mode: 0o600, flag: "wx" }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw new ConfigError(path, [`(file): cannot write the template: ${e.message}`]);
    });
    created = true;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`(root): not valid JSON: ${(err as Error).message}`]);
  }
  return { config: parseConfig(json, path), path, created };
}
