import { createHmac } from "node:crypto";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";

/** One usable known_hosts line: the host patterns (or a hashed entry) and the key. */
interface KnownEntry {
  hosts: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: string; // base64 blob
  revoked: boolean;
}

/** What known_hosts says about a presented key. */
export type KeyVerdict = "known" | "unknown" | "changed" | "revoked";

/** The name OpenSSH writes for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parses known_hosts text: plain, comma-separated, `[host]:port`, hashed `|1|salt|hash` and `@revoked` lines. */
export function parseKnownHosts(text: string): KnownEntry[] {
  const entries: KnownEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]!.startsWith("@")) {
      const marker = fields.shift();
      if (marker === "@revoked") revoked = true;
      else continue; // @cert-authority: certificates are not used by this tool
    }
    const [hostField, keyType, key] = fields;
    if (!hostField || !keyType || !key) continue;
    if (hostField.startsWith("|1|")) {
      const [, , salt, hash] = hostField.split("|");
      if (!salt || !hash) continue;
      entries.push({ hosts: [], hashed: { salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") }, keyType, key, revoked });
    } else {
      entries.push({ hosts: hostField.split(","), keyType, key, revoked });
    }
  }
  return entries;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(name);
}

function entryMatches(entry: KnownEntry, name: string): boolean {
  if (entry.hashed) {
    const digest = createHmac("sha1", entry.hashed.salt).update(name).digest();
    return digest.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.hosts) {
    if (pattern.startsWith("!")) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) matched = true;
  }
  return matched;
}

/** The entries that name this host (under its known_hosts name). */
export function entriesFor(entries: KnownEntry[], host: string, port: number): KnownEntry[] {
  const name = knownHostsName(host, port);
  return entries.filter((e) => entryMatches(e, name));
}

/** Judges a presented key (`keyType`, base64 blob) against the entries for its host, as OpenSSH does. */
export function judgeKey(entries: KnownEntry[], keyType: string, key: string): KeyVerdict {
  if (entries.some((e) => e.revoked && e.key === key)) return "revoked";
  const live = entries.filter((e) => !e.revoked);
  if (live.some((e) => e.key === key)) return "known";
  return live.some((e) => e.keyType === keyType) ? "changed" : "unknown";
}

/** Reads a known_hosts file; a missing file is an empty one. */
export async function loadKnownHosts(path: string): Promise<KnownEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Appends a new host's key (trust on first use), creating the file with mode 0600 if needed. */
export async function appendKnownHost(path: string, host: string, port: number, keyType: string, key: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, `${knownHostsName(host, port)} ${keyType} ${key}\n`, { mode: 0o600 });
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
}
