import { needsApiKey } from "../picoclaw/providers.js";
import { stat } from "node:fs/promises";
import type { HostConfig } from "../config/schema.js";
import type { Deps } from "../deps.js";
import { probeHost } from "./status.js";

/** One finding of `doctor`: what is wrong (or fine) and exactly what to do about it. */
export interface Finding {
  host: string | null;
  level: "ok" | "warn" | "error";
  message: string;
  fix?: string;
}

async function keyFindings(deps: Deps, host: HostConfig): Promise<Finding[]> {
  if (host.transport === "local") return [];
  const findings: Finding[] = [];
  let target;
  try {
    target = deps.fleet.target(host);
  } catch (err) {
    return [{ host: host.name, level: "error", message: (err as Error).message }];
  }
  if (host.ssh_key) {
    const file = target.keyFiles[0]!;
    try {
      const mode = (await stat(file)).mode & 0o777;
      if (mode & 0o077) {
        findings.push({ host: host.name, level: "error", message: `key ${file} has mode ${mode.toString(8)}: ssh refuses keys others can read`, fix: `chmod 600 ${file}` });
      }
    } catch {
      findings.push({ host: host.name, level: "error", message: `key ${file} does not exist`, fix: `create it (ssh-keygen -t ed25519 -f ${file}) or fix ssh_key` });
    }
  }
  if (host.password_env && process.env[host.password_env] === undefined) {
    findings.push({ host: host.name, level: "error", message: `password_env ${host.password_env} is not set`, fix: `export ${host.password_env}=… before starting` });
  }
  return findings;
}

/** Advice for a probe failure, by its kind. */
function advise(host: HostConfig, error: string): string {
  const kind = error.split(":")[0];
  switch (kind) {
    case "refused":
      return `start sshd on ${host.name} (sudo systemctl enable --now ssh) or fix "port"`;
    case "connect_timeout":
    case "unreachable":
      return `check that ${host.name} is powered on and its address is right; try: ssh ${host.user ?? ""}${host.user ? "@" : ""}${host.host ?? host.name}`;
    case "auth":
      return `authorise the key: ssh-copy-id -i ${host.ssh_key ?? "~/.ssh/id_ed25519"} ${host.user ?? ""}${host.user ? "@" : ""}${host.host ?? host.name}`;
    default:
      return "see the message above";
  }
}

/**
 * `doctor`: the config is valid (or this never runs), then each host is checked (key file,
 * password env, the probe) and every problem comes with the exact fix.
 */
export async function doctor(deps: Deps): Promise<Finding[]> {
  const findings: Finding[] = [{ host: null, level: "ok", message: `config ${deps.configPath} is valid (${deps.config.hosts.length} ${deps.config.hosts.length === 1 ? "host" : "hosts"})` }];
  const keyEnv = deps.config.defaults.api_key_env;
  if (keyEnv && !process.env[keyEnv] && needsApiKey(deps.config.defaults)) {
    findings.push({ host: null, level: "warn", message: `${keyEnv} is not set: deploy_host cannot give PicoClaw its API key`, fix: `export ${keyEnv}=… in the environment of the server (mcp.json "env") or the shell` });
  }
  if (deps.config.ssh.host_key_policy === "off") {
    findings.push({ host: null, level: "warn", message: `ssh.host_key_policy is "off": host keys are not verified`, fix: `set it to "strict" (or "accept-new")` });
  }
  const perHost = await Promise.all(
    deps.config.hosts.map(async (host) => {
      const local = await keyFindings(deps, host);
      const row = await probeHost(deps, host);
      const out = [...local];
      if (!row.reachable) {
        const error = row.error ?? "unreachable";
        // host_key messages already carry their exact fix.
        out.push({ host: host.name, level: "error", message: error, ...(error.startsWith("host_key") ? {} : { fix: advise(host, error) }) });
      } else {
        if (row.warning) out.push({ host: host.name, level: "warn", message: row.warning });
        out.push(
          row.picoclaw.installed
            ? { host: host.name, level: "ok", message: `reachable (${row.latency_ms} ms), ${row.arch}, PicoClaw ${row.picoclaw.version ?? "(unknown version)"} at ${row.picoclaw.path}` }
            : { host: host.name, level: "warn", message: `reachable (${row.latency_ms} ms), ${row.arch}, PicoClaw missing`, fix: `picoclaw-fleet deploy ${host.name}` },
        );
      }
      return out;
    }),
  );
  return [...findings, ...perHost.flat()];
}
