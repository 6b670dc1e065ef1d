import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import PQueue from "p-queue";
import { deployHost } from "../src/operations/deploy.js";
import { depsFor } from "../test/helpers/mcp.js";
import { startLab, type Lab, type LabHost } from "../test/lab/sshd-lab.js";
import { startReleaseServer, type ReleaseServer } from "../test/lab/release-server.js";
import { note } from "./helpers.js";

/** The env var the bench config names for the API key; deploy writes its (fake) value into each host's config. */
const KEY_ENV = "PCF_BENCH_KEY";

/** The remote work every side runs: the stand-in PicoClaw answering one message. */
export const REMOTE_BIN = "~/.local/bin/picoclaw";

/** A lab of real sshd hosts with PicoClaw deployed on every one, and what each side needs to reach them. */
export interface BenchLab {
  lab: Lab;
  hosts: LabHost[];
  /** The server's config (lab hosts, strict host keys, the lab release server). */
  configPath: string;
  /** A new config like `configPath` with a journal of its own, so every server process starts from an empty one. */
  freshConfig(): string;
  /** `user@host:port` per line, for parallel-ssh (-h). */
  psshHosts(n: number): string;
  /** The system ssh client's options: only the lab key and known_hosts, never ~/.ssh. */
  sshOptions: string[];
  /** The PicoClaw version deploy installed (the release server's latest). */
  version: string;
  /** Env for the server process (the fake API key). */
  env: Record<string, string>;
  /** Stops the release server and the lab (once; later calls wait for the first). */
  stop(): Promise<void>;
}

/** The system ssh client's options for a lab: only its key and known_hosts, never ~/.ssh or /etc/ssh. */
export function labSshOptions(lab: Lab): string[] {
  return [
    ...["-F", "/dev/null", "-i", lab.clientKey, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"],
    ...["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${lab.knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null"],
  ];
}

/**
 * Starts `count` lab hosts (16 per sshd, the most one sshd listens for), a release server, writes the
 * server's config, and deploys the stand-in PicoClaw to every host through the real deploy operation.
 */
export async function setUpLab(count: number): Promise<BenchLab> {
  const t0 = performance.now();
  const lab = await startLab({ hosts: count, hostsPerSshd: 16 });
  const rel: ReleaseServer = await startReleaseServer();
  note(`lab: ${count} hosts on ${Math.ceil(count / 16)} sshds in ${Math.round(performance.now() - t0)} ms`);
  process.env[KEY_ENV] = "fake-bench-key";
  // wait_s at its maximum: a 200-host fan-out on 2 cores must come back whole, never as `running` rows.
  const overrides = { release: { api_url: rel.apiUrl }, defaults: { api_key_env: KEY_ENV, wait_s: 55 } };
  const configPath = lab.writeConfig(overrides);
  let journals = 0;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= rel.stop().then(() => lab.stop()));
  const deps = depsFor(JSON.parse(readFileSync(configPath, "utf8")), configPath);
  const t1 = performance.now();
  const queue = new PQueue({ concurrency: 16 });
  let version: string;
  try {
    const deployed = await Promise.all(lab.hosts.map((h) => queue.add(() => deployHost(deps, { host: h.name, activity: false }))));
    const bad = deployed.filter((d) => d?.action !== "installed");
    if (bad.length) throw new Error(`deploy failed on ${bad.length} hosts`);
    version = deployed[0]!.version;
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await deps.fleet.close();
  }
  note(`deploy: PicoClaw on ${count} hosts in ${Math.round(performance.now() - t1)} ms`);
  return {
    lab,
    hosts: lab.hosts,
    configPath,
    freshConfig: () => lab.writeConfig({ ...overrides, tasks: { journal: join(lab.dir, `journal-${++journals}.jsonl`) } }),
    psshHosts: (n) => {
      const path = join(lab.dir, `pssh-hosts-${n}`);
      writeFileSync(path, lab.hosts.slice(0, n).map((h) => `${h.user}@${h.host}:${h.port}\n`).join(""));
      return path;
    },
    sshOptions: labSshOptions(lab),
    version,
    env: { [KEY_ENV]: process.env[KEY_ENV]! },
    stop,
  };
}
