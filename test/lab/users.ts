import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { run, sleep } from "./run.js";

/** A lab user as /etc/passwd knows it. */
export interface LabUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface PasswdEntry {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function readTable(path: string): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const fields = line.split(":");
    if (fields.length > 1) table.set(fields[0]!, fields);
  }
  return table;
}

function readPasswd(): Map<string, PasswdEntry> {
  const users = new Map<string, PasswdEntry>();
  for (const [name, f] of readTable("/etc/passwd")) {
    users.set(name, { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "", shell: f[6] ?? "" });
  }
  return users;
}

/** The uids of those `names` that exist (for cleaning up after a lab whose process died). */
export function existingUids(names: (name: string) => boolean): Set<number> {
  const uids = new Set<number>();
  for (const [name, entry] of readPasswd()) if (names(name)) uids.add(entry.uid);
  return uids;
}

// useradd, usermod and chpasswd lock /etc/passwd and /etc/shadow: another lab may hold the lock for a moment.
async function shadowTool(file: string, args: string[], input?: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = await run(file, args, input);
    if (result.code === 0) return;
    if (attempt >= 6) throw new Error(`${file} ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
    await sleep(100 * attempt);
  }
}

/**
 * Makes each user exist with shell /bin/bash, the given home, and a password field that lets it log in:
 * `*` (no password, but not "locked": with `UsePAM no`, sshd refuses even keys to a `!` account) or `password`.
 * Reuses existing users and only changes what differs, so a second run costs a file read.
 */
export async function ensureUsers(wanted: { name: string; home: string }[], password?: string): Promise<LabUser[]> {
  const groups = readTable("/etc/group");
  let passwd = readPasswd();
  for (const { name, home } of wanted) {
    const entry = passwd.get(name);
    if (!entry) {
      const group = groups.has(name) ? ["-g", name] : ["-U"];
      await shadowTool("useradd", ["-M", "-d", home, "-s", "/bin/bash", "-p", "*", ...group, name]);
    } else if (entry.home !== home || entry.shell !== "/bin/bash") {
      await shadowTool("usermod", ["-d", home, "-s", "/bin/bash", name]);
    }
  }
  const shadow = readTable("/etc/shadow");
  if (password !== undefined) {
    // SHA-512 with the fewest rounds: yescrypt's cost would make 200 users take seconds. A lab password is no secret.
    const lines = wanted.map(({ name }) => `${name}:${password}\n`).join("");
    await shadowTool("chpasswd", ["-c", "SHA512", "-s", "1000"], lines);
  } else {
    const locked = wanted.filter(({ name }) => shadow.get(name)?.[1] !== "*");
    if (locked.length > 0) await shadowTool("chpasswd", ["-e"], locked.map(({ name }) => `${name}:*\n`).join(""));
  }
  passwd = readPasswd();
  return wanted.map(({ name, home }) => {
    const entry = passwd.get(name);
    if (!entry) throw new Error(`user ${name} is missing from /etc/passwd after useradd`);
    return { name, uid: entry.uid, gid: entry.gid, home };
  });
}

/**
 * Creates `realHome` (which must not exist yet) for `user` with a ready `.ssh/authorized_keys`, in the modes
 * sshd's StrictModes accepts: home 0755 and .ssh 0700 owned by the user, authorized_keys 0600.
 */
export function prepareHome(user: LabUser, realHome: string, authorizedKey: string): void {
  mkdirSync(realHome, { mode: 0o755 });
  mkdirSync(join(realHome, ".ssh"), { mode: 0o700 });
  const keys = join(realHome, ".ssh", "authorized_keys");
  writeFileSync(keys, `${authorizedKey}\n`, { mode: 0o600 });
  for (const path of [realHome, join(realHome, ".ssh"), keys]) chownSync(path, user.uid, user.gid);
}

/** Writes `content` at `relPath` under the user's home (parents made as needed), all owned by the user. */
export async function writeOwnedFile(
  user: LabUser,
  realHome: string,
  relPath: string,
  content: string | Buffer,
  mode: number,
): Promise<void> {
  const path = resolve(realHome, relPath);
  if (isAbsolute(relPath) || !path.startsWith(`${realHome}/`)) {
    throw new Error(`Expected a path inside the home of ${user.name}, got ${JSON.stringify(relPath)}`);
  }
  let parent = dirname(path);
  const missing: string[] = [];
  while (parent !== realHome && !existsSync(parent)) {
    missing.unshift(parent);
    parent = dirname(parent);
  }
  for (const made of missing) {
    await mkdir(made, { mode: 0o755 });
    await chown(made, user.uid, user.gid);
  }
  await writeFile(path, content);
  await chown(path, user.uid, user.gid);
  await chmod(path, mode);
}
