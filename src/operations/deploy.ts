import { randomBytes } from "node:crypto";
import { createActivity } from "../claw/activity.js";
import { ARCHES, type Arch } from "../config/schema.js";
import type { Deps } from "../deps.js";
import type { HostTransport } from "../fleet/types.js";
import { fetchAsset } from "../picoclaw/download.js";
import { resolveRelease } from "../picoclaw/release.js";
import { needsApiKey } from "../picoclaw/providers.js";
import { compareVersions, parseVersionOutput } from "../picoclaw/version.js";
import { framedValue } from "../fleet/framed.js";
import { configure, mustExec, refuseUnreadableConfig } from "./deploy-config.js";
import { abandonCommand, commitCommand, parseCommit, STAGING_DIR, unpackCommand } from "./deploy-scripts.js";
import { withDeployLock } from "./deploy-lock.js";
import type { OperationContext } from "./context.js";
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

type Step = (s: (typeof STEPS)[number], note?: string) => void;

/** Where one deploy's files wait on the host before the commit: the staged upload and the temp install dir's id. */
interface Staging {
  id: string;
  staged: string;
}

/**
 * Removes what an unfinished deploy left on the host (staged upload, half-written SFTP temp file,
 * temp install dir); returns the advice to add to the error when even that failed.
 */
async function abandon(t: HostTransport, s: Staging): Promise<string> {
  // No signal here: this cleanup must run precisely when the deploy was cancelled.
  const undo = await t.exec(abandonCommand(s.id, s.staged), { timeoutMs: 30_000 });
  return undo.failure || undo.exitCode !== 0 ? `; cleaning up failed too, remove ${s.staged} and ~/.local/bin/.picoclaw-install.${s.id}.* by hand` : "";
}

/**
 * Uploads the archive and unpacks it aside, touching nothing live; returns the temp install dir.
 * When this fails or is cancelled, what this deploy left on the host is removed before the error
 * is thrown: the host is as it was.
 */
async function stage(t: HostTransport, host: string, localPath: string, s: Staging, format: string, step: Step, signal?: AbortSignal): Promise<string> {
  try {
    step("upload");
    await t.uploadFile(localPath, s.staged, 0o600, signal);
    step("install");
    const workDir = framedValue(await mustExec(t, host, "install", unpackCommand(s.staged, format, s.id), signal), "dir");
    if (!workDir) throw new Error(`Deploy to ${host} failed at install: the host's answer was cut short`);
    signal?.throwIfAborted();
    return workDir;
  } catch (err) {
    const left = await abandon(t, s);
    if (signal?.aborted) throw new Error(`Deploy to ${host} cancelled before anything was replaced${left}`);
    if (left && err instanceof Error) err.message += left;
    throw err;
  }
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
  const apiKey = apiKeyFor(deps);
  leds?.start(1);
  let status = "failed";
  try {
    // Deploys to one host take turns (the CLI's too): one never swaps the binary under another.
    const result = await withDeployLock(deps.fleet.transport(input.host), input.host, () => install(deps, input, apiKey, ctx), ctx.signal);
    status = "succeeded";
    return result;
  } finally {
    leds?.hostDone(status);
    void leds?.finish();
  }
}

async function install(deps: Deps, input: DeployInput, apiKey: string, ctx: OperationContext): Promise<DeployResult> {
  const started = Date.now();
  const host = deps.fleet.host(input.host);
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

  const id = randomBytes(4).toString("hex");
  const staging = { id, staged: `${STAGING_DIR}/${id}-${release.asset}` };
  const workDir = await stage(t, host.name, local.path, staging, release.format, step, signal);
  // From here on the signal is no longer passed: a commit that has begun runs to its end, so a
  // cancellation never leaves a host between two versions.
  step("onboard");
  const answer = await mustExec(t, host.name, "onboard", commitCommand(workDir)).catch(async (err: Error) => {
    err.message += await abandon(t, staging);
    throw err;
  });
  const commit = parseCommit(answer);
  if (!commit) throw new Error(`Deploy to ${host.name} failed at onboard: the host's answer was cut short`);
  const installed = parseVersionOutput(commit.versionText)?.version ?? release.version;
  const before = probe.picoclaw.installed ? probe.picoclaw.version : null;
  await configure(deps, t, { version: installed, apiKey, commit }).catch((err: Error) => {
    err.message += `. PicoClaw ${installed} is installed on ${host.name} now${before ? ` (it replaced ${before})` : ""}, with its config not updated: fix that, then deploy ${installed} again with force`;
    throw err;
  });
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
