import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { closedPort } from "../lab/net.js";

/** A fleet that answers fast without a lab: SSH hosts on a closed port, every endpoint refusing. */
export interface OfflineFleet {
  dir: string;
  /** A loopback port where nothing listens: connections are refused at once. */
  closedPort: number;
  /** A fleet config (CONTRACT.md) with `hosts` and `extra` merged in at the top level. */
  config(hosts: Record<string, unknown>[], extra?: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Makes an offline fleet in a temp dir. It also points $HOME there (this test file's process only),
 * so a `local` host's task directories, teardowns and deploys never touch the real home.
 */
export async function offlineFleet(): Promise<OfflineFleet> {
  const dir = mkdtempSync(join(tmpdir(), "pcf-security-"));
  const home = join(dir, "home");
  mkdirSync(home);
  process.env.HOME = home;
  const key = join(dir, "id_ed25519");
  writeFileSync(key, ssh2.utils.generateKeyPairSync("ed25519").private, { mode: 0o600 });
  const port = await closedPort();
  return {
    dir,
    closedPort: port,
    config: (hosts, extra = {}) => ({
      hosts: hosts.map((h) => (h.transport === "local" ? h : { host: "127.0.0.1", port, user: "nobody", ssh_key: key, ...h })),
      ssh: { known_hosts: join(dir, "known_hosts"), config_file: join(dir, "no-ssh-config"), connect_timeout_s: 2 },
      tasks: { journal: join(dir, `tasks-${Math.random().toString(36).slice(2)}.jsonl`) },
      release: { api_url: `http://127.0.0.1:${port}`, cache_dir: join(dir, "release-cache") },
      crush: { base_url: `http://127.0.0.1:${port}/v1`, timeout_s: 2 },
      claw: { led: { backend: "sim", state_file: join(dir, "led.json") } },
      ...extra,
    }),
  };
}
