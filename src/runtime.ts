import { loadConfig, type LoadedConfig } from "./config/load.js";
import type { FleetConfig } from "./config/schema.js";
import type { Deps } from "./deps.js";
import { createLogger } from "./log.js";
import { buildDeps } from "./wire.js";

/** The values of every env var the config names as a secret, for scrubbing logs and results. */
export function secretValues(config: FleetConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = [
    config.defaults.api_key_env,
    config.crush.api_key_env,
    ...config.hosts.map((h) => h.password_env),
  ].filter((n): n is string => Boolean(n));
  const values = names.map((n) => env[n]).filter((v): v is string => Boolean(v));
  // The webhook URL may carry a token: it is scrubbed like a key.
  return config.defaults.webhook_url ? [...values, config.defaults.webhook_url] : values;
}

/**
 * Config, logger and fleet, built the same way for the MCP server and the CLI so both doors see
 * the same fleet. Throws ConfigError for a config that does not validate.
 */
export async function openRuntime(options: { config?: string; logLevel?: string } = {}): Promise<Deps & { loaded: LoadedConfig }> {
  const loaded = await loadConfig(options.config);
  const config = loaded.config;
  const logger = createLogger({ level: options.logLevel, secrets: () => secretValues(config) });
  if (loaded.created) {
    logger.info({ path: loaded.path }, `no config found: wrote a template with the "local" host to ${loaded.path}; add SSH hosts there`);
  }
  return { ...buildDeps(config, loaded.path, logger), loaded };
}
