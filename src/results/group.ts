import type { HostResult } from "../tasks/host-result.js";
import { foldHosts } from "./node-set.js";

/** Hosts that share one outcome, as `fanout`'s `groups` carry them (CONTRACT.md, "Added in the second round"). */
export interface ResultGroup {
  status: HostResult["status"];
  /** The normalised reply every host of the group gave ("" for a host that gave none). */
  reply: string;
  count: number;
  hosts: string[];
  /** `hosts` in node-range form: `host[01-20],pi-[a-c]`. */
  hosts_compact: string;
  /** Why these hosts did not succeed, each host's own name written `<host>` and task id `<task_id>`, when that reason is one for all. */
  error?: string;
}

/** Items that share a key, their hosts listed and folded; largest first, then by the first host. */
export interface Bucket<T> {
  key: string;
  items: T[];
  hosts: string[];
  hosts_compact: string;
}

/** Groups items by `key`, each item a host's; what every grouped view (fanout, fleet_status, teardown) is made of. */
export function bucket<T>(items: readonly T[], host: (item: T) => string, key: (item: T) => string): Bucket<T>[] {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    byKey.set(k, [...(byKey.get(k) ?? []), item]);
  }
  return [...byKey.entries()]
    .map(([k, list]) => {
      const hosts = list.map(host);
      return { key: k, items: list, hosts, hosts_compact: foldHosts(hosts) };
    })
    .sort((a, b) => b.items.length - a.items.length || (a.hosts_compact < b.hosts_compact ? -1 : 1));
}

/**
 * A reply as grouping compares it: line ends made `\n`, trailing whitespace dropped from every line,
 * leading and trailing blank lines dropped. Case, inner spacing and punctuation stay: `Yes` and
 * `yes.` are different answers, and a model should see both.
 */
export function normaliseReply(reply: string): string {
  return reply
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/^\n+|\n+$/g, "");
}

/** `text` with the host's own name (as a whole word) written `<host>`: reasons that differ only in it read as one. */
export function hostNeutral(text: string, host: string): string {
  const escaped = host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(`(?<![\\w.-])${escaped}(?![\\w-])`, "g"), "<host>");
}

/** A reason with the host's own name and task id taken out, so that twenty hosts failing alike are one group. */
function sharedReason(row: Pick<HostResult, "host" | "task_id" | "error">): string {
  return hostNeutral(row.error ?? "", row.host).split(row.task_id).join("<task_id>");
}

/**
 * `fanout`'s `groups`: hosts whose status and normalised reply (for a failure: its reason) are the
 * same, largest group first; every host in exactly one group.
 */
export function groupResults(rows: readonly Pick<HostResult, "host" | "task_id" | "status" | "reply" | "error">[]): ResultGroup[] {
  const key = (r: (typeof rows)[number]) => JSON.stringify([r.status, normaliseReply(r.reply), r.status === "succeeded" ? "" : sharedReason(r)]);
  return bucket(rows, (r) => r.host, key).map((b) => {
    const first = b.items[0]!;
    const group: ResultGroup = { status: first.status, reply: normaliseReply(first.reply), count: b.items.length, hosts: b.hosts, hosts_compact: b.hosts_compact };
    if (first.status !== "succeeded" && first.error) group.error = sharedReason(first);
    return group;
  });
}
