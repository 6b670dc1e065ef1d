import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onExit } from "./exit-hook.js";
import { writeFleetConfig } from "./fleet-config.js";
import { generateKey, knownHostsLine, plainSshArgs, publicKey } from "./keys.js";
import { hostName, homeOf, loopback, userName, type Layout } from "./layout.js";
import { leasePrefix, releasePrefix, STATE_DIR } from "./lease.js";
import { checkNetnsSpec, startNetnsLink, type NetnsLink } from "./netns-host.js";
import { freePort } from "./net.js";
import { processesOf, reapUsers } from "./procs.js";
import { run } from "./run.js";
import type { Lab, LabHost, LabOptions } from "./lab-types.js";
import { startSilentHost, type SilentHost } from "./silent.js";
import { MAX_LISTEN_SOCKS, Sshd } from "./sshd.js";
import { ensureUsers, prepareHome, writeOwnedFile, type LabUser } from "./users.js";

export type { Lab, LabHost, LabOptions } from "./lab-types.js";

/** What a lab has started, so that one cleanup (stop, failure or process exit) can take it all down. */
interface Started {
  sshds: Sshd[];
  uids: Set<number>;
  silent?: SilentHost;
  links: NetnsLink[];
}

function count(name: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new Error(`Expected ${name} to be 1-5000, got ${value}`);
  return n;
}

/** Starts real OpenSSH sshd hosts on this machine (root only), each host its own Unix user, home and address. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const total = count("hosts", options.hosts, 3);
  const perSshd = Math.min(MAX_LISTEN_SOCKS, count("hostsPerSshd", options.hostsPerSshd, 1));
  const dir = mkdtempSync(join(tmpdir(), "picoclaw-lab-"));
  chmodSync(dir, 0o755);
  const prefix = leasePrefix(dir, options.prefix);
  const layout: Layout = { prefix, homesLink: join(STATE_DIR, "homes", prefix) };
  const started: Started = { sshds: [], uids: new Set(), links: [] };
  const cleanup = (): void => {
    unregister();
    for (const sshd of started.sshds) sshd.killSync();
    reapUsers(started.uids);
    started.silent?.remove();
    for (const link of started.links) link.remove();
    rmSync(layout.homesLink, { force: true });
    rmSync(dir, { recursive: true, force: true });
    releasePrefix(prefix);
  };
  const unregister = onExit(cleanup);
  try {
    return await build({ dir, layout, total, perSshd, options, started, cleanup });
  } catch (error) {
    await Promise.all(started.sshds.map((s) => s.kill()));
    cleanup();
    throw error;
  }
}

interface BuildContext {
  dir: string;
  layout: Layout;
  total: number;
  perSshd: number;
  options: LabOptions;
  started: Started;
  cleanup: () => void;
}

async function build({ dir, layout, total, perSshd, options, started, cleanup }: BuildContext): Promise<Lab> {
  const names = Array.from({ length: total }, (_, i) => hostName(i, total));
  const netnsSpecs = options.netnsHosts ?? [];
  for (const spec of netnsSpecs) checkNetnsSpec(spec);
  const netnsNames = netnsSpecs.map((s) => s.name);
  if (new Set(netnsNames).size !== netnsNames.length) throw new Error(`netnsHosts names must differ: ${netnsNames.join(", ")}`);
  mkdirSync(join(dir, "homes"), { mode: 0o755 });
  mkdirSync(join(STATE_DIR, "homes"), { recursive: true, mode: 0o755 });
  chmodSync(STATE_DIR, 0o755);
  rmSync(layout.homesLink, { force: true });
  symlinkSync(join(dir, "homes"), layout.homesLink);
  mkdirSync(join(dir, "keys"), { mode: 0o700 });
  const clientKey = join(dir, "keys", "id_ed25519");
  const wanted = [...names, ...netnsNames].map((name) => ({ name: userName(layout, name), home: homeOf(layout, name) }));
  const [users] = await Promise.all([ensureUsers(wanted, options.password), generateKey(clientKey, "lab-client")]);
  for (const user of users) started.uids.add(user.uid);
  const authorized = await publicKey(clientKey);
  for (const user of users) prepareHome(user, join(dir, "homes", user.name), authorized);

  const hosts: LabHost[] = users.slice(0, total).map((user, i) => ({
    name: names[i]!,
    host: loopback(layout.prefix, i),
    port: 0,
    user: user.name,
    home: user.home,
    labels: ["lab", i % 2 === 0 ? "odd" : "even"],
  }));
  const sshdOf = new Map<string, Sshd>();
  for (let first = 0; first < total; first += perSshd) {
    const group = hosts.slice(first, first + perSshd);
    const sshdDir = join(dir, `sshd-${started.sshds.length + 1}`);
    mkdirSync(sshdDir, { mode: 0o700 });
    const sshd = new Sshd({
      dir: sshdDir,
      addresses: group.map((h) => h.host),
      users: group.map((h) => h.user),
      passwordAuth: options.password !== undefined,
      extra: options.sshdOptions ?? [],
    });
    started.sshds.push(sshd);
    for (const host of group) sshdOf.set(host.name, sshd);
  }
  const extraHost = (name: string, host: string, port: number): LabHost => ({
    name,
    host,
    port,
    user: userName(layout, name),
    home: homeOf(layout, name),
    labels: [name],
  });
  const [, refusing, silent] = await Promise.all([
    Promise.all(started.sshds.map((s) => s.start())),
    options.refusing ? freePort([loopback(layout.prefix, total)]).then((port) => extraHost("refusing", loopback(layout.prefix, total), port)) : undefined,
    options.silent ? startSilentHost(layout.prefix, loopback(layout.prefix, total + 1)) : undefined,
  ]);
  started.silent = silent;
  for (const host of hosts) host.port = sshdOf.get(host.name)!.port;
  const silentHost = silent && extraHost("silent", silent.host, silent.port);
  const linkOf = new Map<string, NetnsLink>();
  const netnsHosts = await Promise.all(
    netnsSpecs.map(async (spec, i): Promise<LabHost> => {
      const link = await startNetnsLink(layout.prefix, spec);
      started.links.push(link);
      linkOf.set(spec.name, link);
      const sshdDir = join(dir, `sshd-${spec.name}`);
      mkdirSync(sshdDir, { mode: 0o700 });
      const user = users[total + i]!;
      const sshd = new Sshd({ dir: sshdDir, addresses: [link.far], users: [user.name], passwordAuth: options.password !== undefined, extra: options.sshdOptions ?? [], netns: link.netns, port: 22 });
      started.sshds.push(sshd);
      await sshd.start();
      sshdOf.set(spec.name, sshd);
      return { ...extraHost(spec.name, link.far, 22), labels: [spec.name, "netns"] };
    }),
  );

  const knownHosts = join(dir, "known_hosts");
  const lines = await Promise.all([...hosts, ...netnsHosts].map(async (h) => knownHostsLine(h.host, h.port, await sshdOf.get(h.name)!.hostKey())));
  writeFileSync(knownHosts, `${lines.join("\n")}\n`);
  const userOf = new Map<string, LabUser>(users.map((u, i) => [[...names, ...netnsNames][i]!, u]));
  const served = (host: LabHost): { sshd: Sshd; user: LabUser } => {
    const sshd = sshdOf.get(host.name);
    const user = userOf.get(host.name);
    if (!sshd || !user) throw new Error(`${host.name} has no sshd and no user in this lab (refusing and silent hosts have neither)`);
    return { sshd, user };
  };
  const listed = [...hosts, ...(refusing ? [refusing] : []), ...(silentHost ? [silentHost] : []), ...netnsHosts];
  const linkFor = (host: LabHost): NetnsLink => {
    const link = linkOf.get(host.name);
    if (!link) throw new Error(`${host.name} is not a netns host of this lab (see LabOptions.netnsHosts)`);
    return link;
  };
  let stopped = false;

  return {
    dir,
    hosts,
    ...(refusing ? { refusing } : {}),
    ...(silentHost ? { silent: silentHost } : {}),
    netnsHosts,
    clientKey,
    knownHosts,
    writeConfig: (overrides) => writeFleetConfig({ dir, clientKey, knownHosts, hosts: listed }, overrides),
    ssh: (host, command) =>
      run("ssh", [...plainSshArgs(clientKey, knownHosts, host.port), `${host.user}@${host.host}`, "--", command]),
    exec: (command) => run("bash", ["-c", command]),
    writeHomeFile: (host, relPath, content, mode) =>
      writeOwnedFile(served(host).user, join(dir, "homes", host.user), relPath, content, mode),
    killSshd: (host) => served(host).sshd.kill(),
    startSshd: async (host) => {
      const { sshd } = served(host);
      if (sshd.pid === undefined) await sshd.start();
    },
    rotateHostKey: (host) => served(host).sshd.rotateKey(),
    setLink: (host, up) => linkFor(host).setLink(up),
    linkStats: (host) => linkFor(host).stats(),
    processes: async (host) => {
      const user = userOf.get(host.name);
      return user ? processesOf(new Set([user.uid])).map(({ pid, cmd }) => ({ pid, cmd })) : [];
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await Promise.all(started.sshds.map((s) => s.kill()));
      cleanup();
    },
  };
}
