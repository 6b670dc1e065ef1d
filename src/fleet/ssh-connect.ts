import { readFileSync } from "node:fs";
import type { Duplex } from "node:stream";
import type { AnyAuthMethod, Client, ConnectConfig } from "ssh2";
import { requireFromInstall } from "../install-dir.js";
import type { Logger } from "../log.js";
import { appendKnownHost, entriesFor, judgeKey, keyTypeOfBlob, knownHostsName, loadKnownHosts } from "./known-hosts.js";
import type { SshTarget } from "./resolve-host.js";
import { fmtSeconds } from "./exec-session.js";
import { FleetError } from "./types.js";

/** The ssh part of the config that every connection honours. */
export interface SshSettings {
  knownHosts: string;
  hostKeyPolicy: "strict" | "accept-new" | "off";
  connectTimeoutMs: number;
  keepaliveMs: number;
}

const RSA_ALGOS = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
const DEFAULT_HOST_KEY_ALGOS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  ...RSA_ALGOS,
];

/** Puts the key types known_hosts already has for this host first, as OpenSSH does, so a known host is not judged by a type it never recorded. */
function hostKeyOrder(knownTypes: string[]): string[] {
  const preferred = knownTypes.flatMap((t) => (t === "ssh-rsa" ? RSA_ALGOS : [t]));
  return [...new Set([...preferred.filter((t) => DEFAULT_HOST_KEY_ALGOS.includes(t)), ...DEFAULT_HOST_KEY_ALGOS])];
}

type Ssh2 = typeof import("ssh2");

/**
 * ssh2, loaded on the first connection rather than at start-up: the server answers `initialize`
 * (and serves crush_*, cluster_led, task_list) without paying for it (about 30 ms on 2 cores).
 * Required from the install's node_modules, so the start-up snapshot loads it (and its native
 * binding) the same way as dist/ does.
 */
let ssh2Module: Ssh2 | undefined;
function loadSsh2(): Ssh2 {
  ssh2Module ??= requireFromInstall("ssh2") as Ssh2;
  return ssh2Module;
}

/** The credentials to offer, in OpenSSH's order: agent, key files, password. */
function authMethods(ssh2: Ssh2, target: SshTarget, log: Logger): { methods: AnyAuthMethod[]; notes: string[] } {
  const methods: AnyAuthMethod[] = [];
  const notes: string[] = [];
  const username = target.user;
  if (process.env.SSH_AUTH_SOCK) methods.push({ type: "agent", username, agent: process.env.SSH_AUTH_SOCK });
  for (const file of target.keyFiles) {
    let text: Buffer;
    try {
      text = readFileSync(file);
    } catch {
      continue; // default key paths that do not exist are normal
    }
    const parsed = ssh2.utils.parseKey(text);
    if (parsed instanceof Error) {
      notes.push(`key ${file} not usable: ${parsed.message}`);
      continue;
    }
    methods.push({ type: "publickey", username, key: text });
  }
  if (target.passwordEnv) {
    const password = process.env[target.passwordEnv];
    if (password === undefined) {
      throw new FleetError("config", `${target.name}: password_env names ${target.passwordEnv}, which is not set; export it before starting`, target.name);
    }
    methods.push({ type: "password", username, password });
  }
  if (notes.length) log.warn({ host: target.name, notes }, "some keys were skipped");
  if (methods.length === 0) {
    throw new FleetError(
      "config",
      `${target.name}: no credential to offer (no readable key among ${target.keyFiles.join(", ") || "none"}, no ssh-agent, no password_env); set ssh_key in the config`,
      target.name,
    );
  }
  return { methods, notes };
}

/** Turns an ssh2 or socket error into a FleetError whose kind and message say what happened. */
function classifyConnectError(err: Error & { code?: string; level?: string }, target: SshTarget, timeoutMs: number, hostKeyProblem?: string): FleetError {
  const where = `${target.host}:${target.port}`;
  const name = target.name;
  if (hostKeyProblem) return new FleetError("host_key", hostKeyProblem, name);
  if (err.code === "ECONNREFUSED") return new FleetError("refused", `Connection refused by ${name} (${where}): sshd is not running there or listens on another port`, name);
  if (err.level === "client-timeout" || err.code === "ETIMEDOUT") {
    return new FleetError("connect_timeout", `No answer from ${name} (${where}) within ${fmtSeconds(timeoutMs)}: the host is down, or a firewall drops the packets`, name);
  }
  if (["EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL"].includes(err.code ?? "")) {
    return new FleetError("unreachable", `${name} (${where}) is unreachable: ${err.code}; check the address and the network`, name);
  }
  if (err.level === "client-authentication") {
    return new FleetError("auth", `Authentication failed for ${target.user}@${name} (${where}): the host refused every key offered; authorise the key (ssh-copy-id -i KEY ${target.user}@${target.host}) or set ssh_key`, name);
  }
  // Nothing ran yet: a connect that fails is never "disconnected" (which reads as "dropped while the command ran").
  if (/before handshake/i.test(err.message) || err.code === "ECONNRESET") {
    return new FleetError("refused", `${name} (${where}) closed the connection before the SSH handshake: its sshd turned it away (too many unauthenticated connections at once, past MaxStartups) or a firewall or TCP wrapper did; try again`, name, true);
  }
  return new FleetError("unreachable", `SSH to ${name} (${where}) failed: ${err.message}`, name);
}

/**
 * Opens one authenticated ssh2 connection: host key checked against known_hosts under the policy,
 * credentials offered in OpenSSH's order, through `via` (a jump connection) when given.
 * Resolves once the connection is ready; rejects with a classified FleetError.
 */
export async function connectSsh(target: SshTarget, settings: SshSettings, log: Logger, via?: Client): Promise<Client> {
  // Like OpenSSH's ConnectionAttempts: sshd turns connections away past MaxStartups for a moment
  // only (it counts a connection as unauthenticated until its child reports back, just after the
  // client is already in), so such a refusal is retried with jittered backoff; nothing else is.
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(target, settings, log, via);
    } catch (err) {
      if (!(err instanceof FleetError) || !err.transient || attempt >= CONNECT_ATTEMPTS) throw err;
      log.debug({ host: target.name, attempt, err: err.message }, "connection turned away before the handshake; retrying");
      await new Promise((r) => setTimeout(r, 150 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

/** Tries a connection this many times when sshd turns it away before the handshake. */
const CONNECT_ATTEMPTS = 4;

async function connectOnce(target: SshTarget, settings: SshSettings, log: Logger, via?: Client): Promise<Client> {
  const entries = entriesFor(await loadKnownHosts(settings.knownHosts), target.host, target.port);
  const ssh2 = loadSsh2();
  const { methods } = authMethods(ssh2, target, log);
  const sock = via ? await forwardThrough(via, target, settings.connectTimeoutMs) : undefined;
  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyProblem: string | undefined;
    const hostName = knownHostsName(target.host, target.port);
    const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
      const keyType = keyTypeOfBlob(key);
      const blob = key.toString("base64");
      if (settings.hostKeyPolicy === "off") {
        log.warn({ host: target.name }, `host key NOT verified for ${hostName} (ssh.host_key_policy is "off")`);
        return verify(true);
      }
      const verdict = judgeKey(entries, keyType, blob);
      if (verdict === "known") return verify(true);
      if (verdict === "unknown" && settings.hostKeyPolicy === "accept-new") {
        appendKnownHost(settings.knownHosts, target.host, target.port, keyType, blob).then(
          () => {
            log.info({ host: target.name }, `new host key for ${hostName} (${keyType}) written to ${settings.knownHosts}`);
            verify(true);
          },
          (err: Error) => {
            hostKeyProblem = `Could not record the host key of ${target.name} in ${settings.knownHosts}: ${err.message}`;
            verify(false);
          },
        );
        return;
      }
      hostKeyProblem =
        verdict === "unknown"
          ? `Unknown host key for ${target.name} (${hostName}, ${keyType}); refused by the strict policy. Check it, then add it: ssh-keyscan -p ${target.port} ${target.host} >> ${settings.knownHosts} (or set ssh.host_key_policy to "accept-new")`
          : `HOST KEY CHANGED for ${target.name} (${hostName}, ${keyType}): refused; this may be an attack. If the host was reinstalled, remove the old key with ssh-keygen -R '${hostName}' -f ${settings.knownHosts}`;
      verify(false);
    };
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: settings.connectTimeoutMs,
      keepaliveInterval: settings.keepaliveMs,
      keepaliveCountMax: 3,
      hostVerifier,
      authHandler: methods,
      algorithms: { serverHostKey: hostKeyOrder(entries.map((e) => e.keyType)) as never },
      ...(sock ? { sock } : {}),
    };
    // One listener for the client's whole life: ssh2 can emit a second error after the first (a
    // reset, then "Connection lost before handshake"), and an error with no listener would crash.
    let settled = false;
    client.on("error", (err: Error) => {
      if (settled) return log.debug({ host: target.name, err: err.message }, "ssh error after connect settled");
      settled = true;
      client.end();
      reject(classifyConnectError(err, target, settings.connectTimeoutMs, hostKeyProblem));
    });
    client.once("ready", () => {
      if (settled) return client.end();
      settled = true;
      resolve(client);
    });
    client.connect(config);
    // Nagle off: a channel request is several small packets, and Nagle holding the last one for
    // sshd's delayed ACK cost 40 ms per exec on an open connection (measured in bench/).
    client.setNoDelay(true);
  });
}

/** A TCP stream to the target opened through an established jump connection (ProxyJump). */
function forwardThrough(via: Client, target: SshTarget, timeoutMs: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new FleetError("connect_timeout", `No answer from ${target.name} (${target.host}:${target.port}) through its jump host within ${fmtSeconds(timeoutMs)}`, target.name));
    }, timeoutMs);
    via.forwardOut("127.0.0.1", 0, target.host, target.port, (err, stream) => {
      clearTimeout(timer);
      if (late) return stream?.destroy();
      if (!err) return resolve(stream);
      const reason = /refused/i.test(err.message) ? "refused" : "unreachable";
      reject(new FleetError(reason, `Jump host could not reach ${target.name} (${target.host}:${target.port}): ${err.message}`, target.name));
    });
  });
}
