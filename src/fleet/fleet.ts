import type SSHConfig from "ssh-config";
import type { FleetConfig, HostConfig } from "../config/schema.js";
import { expandHome } from "../config/paths.js";
import type { Logger } from "../log.js";
import { LocalTransport } from "./local-transport.js";
import { adhocHost, loadSshConfig, resolveTarget, type SshTarget } from "./resolve-host.js";
import { SshTransport, type ConnectionStats } from "./ssh-transport.js";
import { FleetError, type HostTransport } from "./types.js";

/** Which hosts a call is about: names, labels (a host must carry all of them), or everything. */
export interface HostSelection {
  hosts?: string[] | undefined;
  labels?: string[] | undefined;
}

/**
 * The fleet as the rest of the code sees it: host entries by name, and one transport per host
 * (a pooled SSH connection, or this machine). Knows nothing of MCP.
 */
export class Fleet {
  private readonly transports = new Map<string, HostTransport>();
  /** One SSH transport per target, shared by a host and every host that jumps through it. */
  private readonly ssh = new Map<string, SshTransport>();
  private readonly byName: Map<string, HostConfig>;
  private sshConfig: SSHConfig | undefined;

  constructor(
    readonly config: FleetConfig,
    private readonly log: Logger,
  ) {
    this.byName = new Map(config.hosts.map((h) => [h.name, h]));
  }

  /** Every configured host, in config order. */
  get hosts(): HostConfig[] {
    return this.config.hosts;
  }

  /** The entry for `name`; an address not in the config is refused unless `allow_adhoc_hosts`. */
  host(name: string): HostConfig {
    const found = this.byName.get(name);
    if (found) return found;
    if (this.config.allow_adhoc_hosts) return adhocHost(name);
    const known = this.config.hosts.map((h) => h.name).join(", ") || "none";
    throw new FleetError("config", `Unknown host "${name}": not in the config (hosts: ${known}); add it to "hosts" or set "allow_adhoc_hosts": true`, name);
  }

  /** The hosts a selection names, in config order for labels and in the caller's order for names. */
  select(selection: HostSelection = {}): HostConfig[] {
    const names = selection.hosts?.length ? [...new Set(selection.hosts)] : undefined;
    let chosen = names ? names.map((n) => this.host(n)) : this.config.hosts;
    const labels = selection.labels ?? [];
    if (labels.length) chosen = chosen.filter((h) => labels.every((l) => h.labels.includes(l)));
    return chosen;
  }

  /** The transport for a host: created on first use, then shared by every call. */
  transport(name: string): HostTransport {
    const existing = this.transports.get(name);
    if (existing) return existing;
    const host = this.host(name);
    const transport = host.transport === "local" ? new LocalTransport(host.name) : this.sshTransport(this.target(host));
    this.transports.set(name, transport);
    return transport;
  }

  /** The SSH target a host resolves to (after ~/.ssh/config), for display and diagnosis. */
  target(host: HostConfig): SshTarget {
    this.sshConfig ??= loadSshConfig(this.config.ssh.config_file);
    return resolveTarget(host, this.sshConfig, (n) => this.byName.get(n));
  }

  /** Connections opened and commands run so far, summed over hosts: pooling shows here. */
  stats(): ConnectionStats {
    const total: ConnectionStats = { connects: 0, execs: 0 };
    for (const t of this.ssh.values()) {
      total.connects += t.stats.connects;
      total.execs += t.stats.execs;
    }
    return total;
  }

  /** Closes every SSH connection; later calls are refused. */
  async close(): Promise<void> {
    await Promise.all([...this.ssh.values()].map((t) => t.close()));
  }

  private sshTransport(target: SshTarget): SshTransport {
    const cached = this.ssh.get(target.name);
    if (cached) return cached;
    const ssh = this.config.ssh;
    const jump = target.jump;
    const transport = new SshTransport(
      target,
      {
        knownHosts: expandHome(ssh.known_hosts),
        hostKeyPolicy: ssh.host_key_policy,
        connectTimeoutMs: ssh.connect_timeout_s * 1000,
        keepaliveMs: ssh.keepalive_s * 1000,
        maxChannels: ssh.max_channels,
        idleMs: ssh.idle_s * 1000,
      },
      this.log,
      jump ? () => this.sshTransport(jump) : undefined,
    );
    this.ssh.set(target.name, transport);
    return transport;
  }
}
