import type { Deps } from "../deps.js";
import type { HostTransport } from "../fleet/types.js";
import { buildRemoteConfig, readableSchema } from "../picoclaw/remote-config.js";
import { configSchemaCommand, parseConfigSchema, type CommitOutput } from "./deploy-scripts.js";

// The host's PicoClaw config around a deploy: read before anything changes, written after the commit.

/** Runs one step of a deploy; throws, naming the step, when it fails. */
export async function mustExec(t: HostTransport, host: string, step: string, command: string, signal?: AbortSignal): Promise<string> {
  const res = await t.exec(command, { timeoutMs: 120_000, ...(signal ? { signal } : {}), maxOutputBytes: 4 * 1024 * 1024 });
  if (res.failure) throw new Error(`Deploy to ${host} failed at ${step}: ${res.failure.message}`);
  if (res.exitCode !== 0) throw new Error(`Deploy to ${host} failed at ${step} (exit ${res.exitCode}): ${res.stderr.trim() || res.stdout.trim()}`);
  return res.stdout;
}

/**
 * A downgrade must leave a PicoClaw that works: PicoClaw migrates its config forward only, so a
 * version that cannot read the schema on the host (v0.2.4-v0.2.6 refuse schema 3; nothing before
 * v0.2.4 finds keys in .security.yml) is refused here, before anything on the host changes.
 */
export async function refuseUnreadableConfig(t: HostTransport, host: string, target: string, installed: string | null, signal?: AbortSignal): Promise<void> {
  const schema = parseConfigSchema(await mustExec(t, host, "resolve", configSchemaCommand(), signal));
  const readable = readableSchema(target);
  if (schema === null || schema <= readable) return;
  const from = installed ? `PicoClaw ${installed} left` : "the host has";
  throw new Error(
    `Refusing to deploy PicoClaw ${target} to ${host}: ${from} a config of schema ${schema} in ~/.picoclaw, which ${target} cannot read (PicoClaw migrates configs forward only), so it would not run. Nothing on ${host} was changed. Deploy a version that reads it (${schema >= 3 ? "0.2.7" : schema === 2 ? "0.2.5" : "0.2.4"} or newer), or run teardown with purge first (this removes the worker's workspace and memory) and deploy ${target} fresh.`,
  );
}


/**
 * Writes the host's PicoClaw config and key files for the version just committed.
 * Security: the key goes through SFTP into files created 0600; it never appears in a command line.
 */
export async function configure(deps: Deps, t: HostTransport, o: { version: string; apiKey: string; commit: CommitOutput }): Promise<void> {
  const { provider, model, api_base: apiBase, api_key_env: env, write_env_file: envFile } = deps.config.defaults;
  const files = buildRemoteConfig({ version: o.version, provider, model, apiBase, apiKey: o.apiKey, configJson: o.commit.configJson, securityYaml: o.commit.securityYaml });
  // The key file first: a task starting in between must not see a model selected without its key.
  if (files.securityYaml !== null) await t.writeFile("~/.picoclaw/.security.yml", files.securityYaml, 0o600);
  await t.writeFile("~/.picoclaw/config.json", files.configJson, 0o600);
  // PicoClaw reads no .env: a second copy of the key only for a config that asks for the old skill's file.
  if (envFile && env && o.apiKey) await t.writeFile("~/.picoclaw/.env", `${env}=${o.apiKey}\n`, 0o600);
}
