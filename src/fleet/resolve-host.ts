import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import SSHConfig from "ssh-config";
import type { HostConfig } from "../config/schema.js";
import { expandHome } from "../config/paths.js";

/** Everything needed to open an SSH connection to one host, after ~/.ssh/config was applied. */
export interface SshTarget {
  /** The fleet name (or `user@host:port` for an ad-hoc or jump-only host). */
  name: string;
  host: string;
  port: number;
  user: string;
  /** Key files to offer, in order (explicit `ssh_key`, then IdentityFile, then the usual defaults). */
  keyFiles: string[];
  /** Name of the env var holding a password, never the password. */
  passwordEnv?: string;
  /** The host to tunnel through (ProxyJump), resolved the same way. */
  jump?: SshTarget;
}

const DEFAULT_KEYS = ["~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"];

/** Reads the OpenSSH client config once; a missing file is an empty config. */
export function loadSshConfig(path: string): SSHConfig {
  const file = expandHome(path);
  if (!existsSync(file)) return SSHConfig.parse("");
  return SSHConfig.parse(readFileSync(file, "utf8"));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Parses `user@host:port` (each part but host optional), as `jump` and ad-hoc hosts are written. */
export function parseAddress(spec: string): { user?: string; host: string; port?: number } {
  const at = spec.lastIndexOf("@");
  const user = at > 0 ? spec.slice(0, at) : undefined;
  let rest = at >= 0 ? spec.slice(at + 1) : spec;
  let port: number | undefined;
  const bracket = /^\[(.+)\]:(\d+)$/.exec(rest);
  if (bracket) {
    rest = bracket[1]!;
    port = Number(bracket[2]);
  } else if (/^[^:]+:\d+$/.test(rest)) {
    const i = rest.lastIndexOf(":");
    port = Number(rest.slice(i + 1));
    rest = rest.slice(0, i);
  }
  return { ...(user ? { user } : {}), host: rest, ...(port ? { port } : {}) };
}

/**
 * Resolves a configured host into a connection target. Fields set in the fleet config win;
 * ~/.ssh/config fills what they leave out (HostName, User, Port, IdentityFile, ProxyJump), as
 * command-line options beat the config file in OpenSSH.
 */
export function resolveTarget(
  host: HostConfig,
  sshConfig: SSHConfig,
  lookupJump: (name: string) => HostConfig | undefined,
  seen: Set<string> = new Set(),
): SshTarget {
  if (seen.has(host.name)) throw new Error(`Jump loop: ${[...seen, host.name].join(" -> ")}; fix the jump fields`);
  seen.add(host.name);
  const alias = host.host ?? host.name;
  const computed = sshConfig.compute(alias);
  const keyFiles = [
    ...(host.ssh_key ? [host.ssh_key] : []),
    ...((computed.IdentityFile as string[] | undefined) ?? []),
    ...(host.ssh_key ? [] : DEFAULT_KEYS),
  ].map(expandHome);
  const target: SshTarget = {
    name: host.name,
    host: first(computed.HostName) ?? alias,
    port: host.port ?? Number(first(computed.Port) ?? 22),
    user: host.user ?? first(computed.User) ?? userInfo().username,
    keyFiles: [...new Set(keyFiles)],
    ...(host.password_env ? { passwordEnv: host.password_env } : {}),
  };
  const jumpSpec = host.jump ?? first(computed.ProxyJump);
  if (jumpSpec && jumpSpec !== "none") {
    // Only the first hop of a chained ProxyJump is taken here; each hop resolves its own jump.
    const hop = jumpSpec.split(",")[0]!;
    const known = lookupJump(hop);
    const jumpHost: HostConfig = known ?? adhocHost(hop);
    target.jump = resolveTarget(jumpHost, sshConfig, lookupJump, seen);
  }
  return target;
}

/** A host entry for an address that is not in the config (a jump spec, or an allowed ad-hoc host). */
export function adhocHost(spec: string): HostConfig {
  const { user, host, port } = parseAddress(spec);
  return { name: spec, transport: "ssh", host, labels: [], ...(user ? { user } : {}), ...(port ? { port } : {}) };
}
