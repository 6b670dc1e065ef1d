import { randomBytes } from "node:crypto";
import { createActivity } from "../claw/activity.js";
import { ARCHES, type Arch } from "../config/schema.js";
import type { Deps } from "../deps.js";
import type { HostTransport } from "../fleet/types.js";
import { fetchAsset } from "../picoclaw/download.js";
import { resolveRelease, type ResolvedAsset } from "../picoclaw/release.js";
import { needsApiKey } from "../picoclaw/providers.js";
import { buildRemoteConfig, readableSchema } from "../picoclaw/remote-config.js";
import { compareVersions, parseVersionOutput } from "../picoclaw/version.js";
import { abandonCommand, commitCommand, configSchemaCommand, parseCommit, parseConfigSchema, STAGING_DIR, unpackCommand } from "./deploy-scripts.js";
import type { OperationContext } from "./dispatch.js";
import { applyPolicy } from "./policy.js";
import { probeHost } from "./status.js";

/** What `deploy_host` reports for one host. */
export interface DeployResult {
  host: string;
  version: string;
  arch: string;
  asset: string;
  sha256: string;
  path: string;
  onboarded: boolean;
  action: "installed" | "upgraded" | "unchanged";
  duration_ms: number;
  /** The version this deploy replaced, when one was installed (the enum has no "downgraded": see below). */
  previous_version?: string;
  /** Present (true) when an older version replaced a newer one; `action` is then still "upgraded". */
  downgraded?: true;
  warning?: string;
}

export interface DeployInput {
  host: string;
  version?: string | undefined;
  force?: boolean | undefined;
  /** false: leave the LED strip alone (the deploy inside a fan-out or dispatch, whose own bar is on it). */
  activity?: boolean | undefined;
}

const STEPS = ["resolve", "download", "verify", "upload", "install", "onboard"] as const;

/**
 * The API key deploy writes to hosts, read once. Throws before any host is touched when the
 * provider needs a key and its env var is missing.
 */
export function apiKeyFor(deps: Deps): string {
  const { provider, api_key_env: env } = deps.config.defaults;
  const key = env ? process.env[env] : undefined;
  if (key) return key;
  if (!needsApiKey(deps.config.defaults)) return "";
  throw new Error(`${env} is not set: PicoClaw on the hosts needs the ${provider} API key. Export ${env} in the server's environment (mcp.json "env"), or set defaults.api_key_env`);
}

async function mustExec(t: HostTransport, host: string, step: string, command: string, signal?: AbortSignal): Promise<string> {
  const res = await t.exec(command, { timeoutMs: 120_000, ...(signal ? { signal } : {}), maxOutputBytes: 4 * 1024 * 1024 });
  if (res.failure) throw new Error(`Deploy to ${host} failed at ${step}: ${res.failure.message}`);
  if (res.exitCode !== 0) throw new Error(`Deploy to ${host} failed at ${step} (exit ${res.exitCode}): ${res.stderr.trim() || res.stdout.trim()}`);
  return res.stdout;
}

type Step = (s: (typeof STEPS)[number], note?: string) => void;

/**
 * Uploads the archive and unpacks it aside, touching nothing live; returns the temp install dir.
 * When this fails or is cancelled, what this deploy left on the host (staged upload, half-written
 * SFTP temp file, temp install dir) is removed before the error is thrown: the host is as it was.
 */
async function stage(t: HostTransport, host: string, localPath: string, release: ResolvedAsset, step: Step, signal?: AbortSignal): Promise<string> {
  const id = randomBytes(4).toString("hex");
  const staged = `${STAGING_DIR}/${id}-${release.asset}`;
  try {
    step("upload");
    await t.uploadFile(localPath, staged, 0o600, signal);
    step("install");
    const workDir = (await mustExec(t, host, "install", unpackCommand(staged, release.format, id), signal)).trim();
    signal?.throwIfAborted();
    return workDir;
  } catch (err) {
    // No signal here: this cleanup must run precisely when the deploy was cancelled.
    const undo = await t.exec(abandonCommand(id, staged), { timeoutMs: 30_000 });
    const left = undo.failure || undo.exitCode !== 0 ? `; cleaning up failed too, remove ${staged} and ~/.local/bin/.picoclaw-install.${id}.* by hand` : "";
    if (signal?.aborted) throw new Error(`Deploy to ${host} cancelled before anything was replaced${left}`);
    if (left && err instanceof Error) err.message += left;
    throw err;
  }
}

/**
 * A downgrade must leave a PicoClaw that works: PicoClaw migrates its config forward only, so a
 * version that cannot read the schema on the host (v0.2.4-v0.2.6 refuse schema 3; nothing before
 * v0.2.4 finds keys in .security.yml) is refused here, before anything on the host changes.
 */
async function refuseUnreadableConfig(t: HostTransport, host: string, target: string, installed: string | null, signal?: AbortSignal): Promise<void> {
  const schema = parseConfigSchema(await mustExec(t, host, "resolve", configSchemaCommand(), signal));
  const readable = readableSchema(target);
  if (schema === null || schema <= readable) return;
  const from = installed ? `PicoClaw ${installed} left` : "the host has";
  throw new Error(
    `Refusing to deploy PicoClaw ${target} to ${host}: ${from} a config of schema ${schema} in ~/.picoclaw, which ${target} cannot read (PicoClaw migrates configs forward only), so it would not run. Nothing on ${host} was changed. Deploy a version that reads it (${schema >= 3 ? "0.2.7" : schema === 2 ? "0.2.5" : "0.2.4"} or newer), or run teardown with purge first (this removes the worker's workspace and memory) and deploy ${target} fresh.`,
  );
}

/**
 * `deploy_host`: installs (or upgrades) PicoClaw on one host from a verified release archive that
 * was downloaded once for every host of that arch, uploaded over SFTP (hosts need no internet),
 * unpacked and test-run aside, renamed into place atomically, onboarded when the host has no config
 * yet (an existing config is migrated, its workspace kept), and given
 * its API key in 0600 files written over SFTP: never in argv, never logged.
 */
export async function deployHost(deps: Deps, input: DeployInput, ctx: OperationContext = {}): Promise<DeployResult> {
  applyPolicy(deps.config, "deploy_host", [deps.fleet.host(input.host)], { explicit: true });
  const leds = input.activity === false ? undefined : createActivity(deps);
  leds?.start(1);
  let status = "failed";
  try {
    const result = await install(deps, input, ctx);
    status = "succeeded";
    return result;
  } finally {
    leds?.hostDone(status);
    void leds?.finish();
  }
}

async function install(deps: Deps, input: DeployInput, ctx: OperationContext): Promise<DeployResult> {
  const started = Date.now();
  const host = deps.fleet.host(input.host);
  const apiKey = apiKeyFor(deps);
  const step = (s: (typeof STEPS)[number], note = "") => ctx.progress?.(STEPS.indexOf(s) + 1, STEPS.length, `${host.name}: ${s}${note ? ` ${note}` : ""}`);
  const signal = ctx.signal;

  step("resolve");
  const probe = await probeHost(deps, host, signal);
  if (!probe.reachable) throw new Error(`Cannot deploy to ${host.name}: ${probe.error}`);
  const arch = probe.arch && (ARCHES as readonly string[]).includes(probe.arch) ? (probe.arch as Arch) : host.arch;
  if (!arch) throw new Error(`Cannot deploy to ${host.name}: unknown architecture ${probe.arch ?? "(uname -m gave nothing)"}; set "arch" for it`);
  const release = await resolveRelease({ repo: deps.config.release.repo, apiUrl: deps.config.release.api_url }, input.version ?? deps.config.release.version, arch, signal);
  const base = { host: host.name, version: release.version, arch, asset: release.asset, sha256: release.sha256, ...(probe.warning ? { warning: probe.warning } : {}) };
  if (probe.picoclaw.installed && probe.picoclaw.version === release.version && !input.force) {
    return { ...base, path: probe.picoclaw.path ?? "", onboarded: false, action: "unchanged", duration_ms: Date.now() - started };
  }

  const t = deps.fleet.transport(host.name);
  await refuseUnreadableConfig(t, host.name, release.version, probe.picoclaw.version, signal);

  step("download", release.asset);
  const local = await fetchAsset(release, deps.config.release.cache_dir, signal);
  step("verify", `sha256 ${release.sha256.slice(0, 12)}…`);

  const workDir = await stage(t, host.name, local.path, release, step, signal);
  // From here on the signal is no longer passed: a commit that has begun runs to its end, so a
  // cancellation never leaves a host between two versions.
  step("onboard");
  const commit = parseCommit(await mustExec(t, host.name, "onboard", commitCommand(workDir)));
  if (!commit) throw new Error(`Deploy to ${host.name} failed at onboard: the host's answer was cut short`);
  const installed = parseVersionOutput(commit.versionText)?.version ?? release.version;
  const before = probe.picoclaw.installed ? probe.picoclaw.version : null;
  const files = buildRemoteConfig({ version: installed, provider: deps.config.defaults.provider, model: deps.config.defaults.model, apiBase: deps.config.defaults.api_base, apiKey, configJson: commit.configJson, securityYaml: commit.securityYaml });
  // Security: the key goes through SFTP into files created 0600; it never appears in a command line.
  // The key file first: a task starting in between must not see a model selected without its key.
  if (files.securityYaml !== null) await t.writeFile("~/.picoclaw/.security.yml", files.securityYaml, 0o600);
  await t.writeFile("~/.picoclaw/config.json", files.configJson, 0o600);
  // PicoClaw reads no .env: a second copy of the key only for a config that asks for the old skill's file.
  const env = deps.config.defaults.api_key_env;
  if (deps.config.defaults.write_env_file && env && apiKey) await t.writeFile("~/.picoclaw/.env", `${env}=${apiKey}\n`, 0o600);
  deps.logger.info({ host: host.name, version: installed, asset: release.asset }, "deployed");
  return {
    ...base,
    version: installed,
    path: `${commit.home}/.local/bin/picoclaw`,
    onboarded: commit.onboarded,
    action: probe.picoclaw.installed ? "upgraded" : "installed",
    ...(before ? { previous_version: before, ...(compareVersions(installed, before) < 0 ? { downgraded: true as const } : {}) } : {}),
    duration_ms: Date.now() - started,
  };
}
