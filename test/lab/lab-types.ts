import type { LinkStats, NetnsHostSpec } from "./netns-host.js";
import type { RunResult } from "./run.js";

export type { LinkStats, NetnsHostSpec } from "./netns-host.js";

/** One host of the lab: a real sshd address and the local Unix user that plays the remote account. */
export interface LabHost {
  name: string;
  host: string;
  port: number;
  user: string;
  /** The user's home as /etc/passwd (and so `$HOME` on the host) has it. */
  home: string;
  labels: string[];
}

/** What to start; every field is optional. */
export interface LabOptions {
  /** Reachable sshd hosts, default 3. */
  hosts?: number;
  /** Adds host "refusing": an address and port where nothing listens, so connects are refused at once. */
  refusing?: boolean;
  /** Adds host "silent": an address that drops every packet (netns), or a mute loopback listener as fallback. */
  silent?: boolean;
  /**
   * Hosts served by one sshd (one port, one address per host, a shared host key), default 1. At most 16
   * are used: sshd listens on no more than 16 sockets (MAX_LISTEN_SOCKS, fixed when OpenSSH is built).
   */
  hostsPerSshd?: number;
  /** When set, every lab user gets this password and sshd allows password authentication. */
  password?: string;
  /** Extra sshd_config lines; they come first, so they win over the lab's own settings. */
  sshdOptions?: string[];
  /** User/namespace name prefix (`[a-z][a-z0-9]{0,15}`); default the first free `pl0`, `pl1`, ... */
  prefix?: string;
  /**
   * Extra hosts, each with its own sshd inside a network namespace of its own, reached over a link that
   * `setLink` cuts and restores (a veth pair), or that delays and loses packets (`latencyMs`, `lossPercent`).
   * They are in `netnsHosts` and in the config, not in `hosts`.
   */
  netnsHosts?: NetnsHostSpec[];
}

/** A running lab; `stop()` takes all of it down again. */
export interface Lab {
  dir: string;
  hosts: LabHost[];
  refusing?: LabHost;
  silent?: LabHost;
  /** The hosts of `LabOptions.netnsHosts`, in that order. */
  netnsHosts: LabHost[];
  clientKey: string;
  knownHosts: string;
  /** Writes a fleet config (CONTRACT.md format) for every lab host, `overrides` deep-merged over it; returns its path. */
  writeConfig(overrides?: Record<string, unknown>): string;
  /** Runs a command on a host as its user through the system `ssh` client (BatchMode, lab key, lab known_hosts). */
  ssh(host: LabHost, command: string): Promise<RunResult>;
  /** Runs a command with bash as root on this machine, where the hosts' users live (e.g. `pgrep -u <user>`). */
  exec(command: string): Promise<RunResult>;
  /** Writes a file into a host user's home, owned by that user. */
  writeHomeFile(host: LabHost, relPath: string, content: string | Buffer, mode: number): Promise<void>;
  /** SIGKILLs the host's sshd and its per-connection processes (open connections drop), not the user's commands. */
  killSshd(host: LabHost): Promise<void>;
  /** Starts the host's sshd again on the same address and port. */
  startSshd(host: LabHost): Promise<void>;
  /** A new host key and a restart, known_hosts left as it was (with hostsPerSshd > 1, for all hosts of that sshd). */
  rotateHostKey(host: LabHost): Promise<void>;
  /** Every live process of the host's user, including `sshd: user@notty` while a connection is open. */
  processes(host: LabHost): Promise<{ pid: number; cmd: string }[]>;
  /** Cuts (`false`) or restores (`true`) the link to a netns host: packets vanish silently while it is down. */
  setLink(host: LabHost, up: boolean): Promise<void>;
  /** A netns host's link counters (emulated links only; undefined for a veth). */
  linkStats(host: LabHost): Promise<LinkStats | undefined>;
  /** Kills its sshds and every process of its users, removes the namespace and the dir. */
  stop(): Promise<void>;
}
