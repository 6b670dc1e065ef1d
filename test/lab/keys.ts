import { readFile, rm } from "node:fs/promises";
import { runOk } from "./run.js";

/** Makes a fresh ed25519 key pair at `path` (+ `.pub`), private half mode 0600, replacing any old one. */
export async function generateKey(path: string, comment: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await runOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
}

/** The `keytype base64` part of a public key file, without its comment. */
export async function publicKey(path: string): Promise<string> {
  const [type, body] = (await readFile(`${path}.pub`, "utf8")).trim().split(/\s+/);
  return `${type} ${body}`;
}

/** One known_hosts line in the form OpenSSH writes for a non-22 port: `[addr]:port keytype base64`. */
export function knownHostsLine(host: string, port: number, key: string): string {
  return port === 22 ? `${host} ${key}` : `[${host}]:${port} ${key}`;
}

/** The arguments that make the system `ssh` client use only the lab's key and known_hosts, never ~/.ssh. */
export function plainSshArgs(clientKey: string, knownHosts: string, port: number): string[] {
  return [
    ...["-F", "/dev/null", "-i", clientKey, "-p", String(port)],
    ...["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes"],
    ...["-o", `UserKnownHostsFile=${knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5"],
  ];
}
