import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The lab facts a fleet config is written from (kept apart from `Lab` so this file needs no lab). */
export interface ConfigSource {
  dir: string;
  clientKey: string;
  knownHosts: string;
  hosts: { name: string; host: string; port: number; user: string; labels: string[] }[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `over` deep-merged onto `base`: objects merge key by key, arrays and everything else replace, `undefined` is skipped. */
function deepMerge(base: Json, over: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

/**
 * Writes a CONTRACT.md fleet config for the lab's hosts into its dir and returns the path: every host with
 * the lab key, strict host keys against the lab known_hosts, no ~/.ssh/config, journal and release cache
 * inside the lab dir (so tests never touch root's home). Each call writes a new file.
 */
export function writeFleetConfig(source: ConfigSource, overrides: Json = {}): string {
  const base: Json = {
    hosts: source.hosts.map((h) => ({
      name: h.name,
      host: h.host,
      port: h.port,
      user: h.user,
      ssh_key: source.clientKey,
      labels: h.labels,
    })),
    ssh: {
      known_hosts: source.knownHosts,
      host_key_policy: "strict",
      config_file: join(source.dir, "no-such-ssh-config"),
      connect_timeout_s: 3,
    },
    tasks: { journal: join(source.dir, "tasks.jsonl") },
    release: { cache_dir: join(source.dir, "release-cache") },
  };
  let path = join(source.dir, "fleet.json");
  for (let n = 2; existsSync(path); n++) path = join(source.dir, `fleet-${n}.json`);
  writeFileSync(path, `${JSON.stringify(deepMerge(base, overrides), null, 2)}\n`);
  return path;
}
