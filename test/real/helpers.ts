import { spawnServer, type SpawnedServer } from "../lab/fault-kit.js";
import { startModelApi, type ModelApi } from "../lab/model-api.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";

/** The env var the real-binary fleets name as `defaults.api_key_env`, and its value. */
export const KEY_ENV = "PCF_REAL_KEY";
export const KEY = "sk-ant-real-lab-0123456789abcdef";

/**
 * Lab hosts, the lab's release server with the real PicoClaw builds in its x86_64 archives, and
 * the model-API stand-in the real binary talks to: the whole chain a user's fleet has, on loopback.
 */
export interface RealFleet {
  lab: Lab;
  rel: ReleaseServer;
  api: ModelApi;
  host(name: string): LabHost;
  /** A fleet config for the lab (release server wired in, api_base the stand-in), `overrides` merged on top. */
  configPath(overrides?: Record<string, unknown>): string;
  /** The built stdio server as mcp.json starts it, on `configPath`, the key in its environment unless `keyless`. */
  serve(configPath: string, options?: { keyless?: boolean }): Promise<SpawnedServer>;
  stop(): Promise<void>;
}

export async function startRealFleet(hosts: number): Promise<RealFleet> {
  const lab = await startLab({ hosts });
  const rel = await startReleaseServer({ versions: ["v0.2.3", "v0.2.7", "v0.2.9"], arches: ["amd64"], binaries: "real" });
  const api = await startModelApi({ keys: [KEY] });
  const servers: SpawnedServer[] = [];
  return {
    lab,
    rel,
    api,
    host: (name) => lab.hosts.find((h) => h.name === name)!,
    configPath: (overrides = {}) =>
      lab.writeConfig({
        defaults: { provider: "anthropic", api_key_env: KEY_ENV, api_base: api.url, timeout_s: 60 },
        release: { api_url: rel.apiUrl },
        ...overrides,
      }),
    async serve(configPath, options = {}) {
      if (options.keyless) delete process.env[KEY_ENV];
      else process.env[KEY_ENV] = KEY;
      try {
        const server = await spawnServer(configPath);
        servers.push(server);
        return server;
      } finally {
        delete process.env[KEY_ENV];
      }
    },
    async stop() {
      await Promise.all(servers.map((s) => s.transport.close().catch(() => undefined)));
      await api.close();
      await rel.stop();
      await lab.stop();
    },
  };
}

/** The text of a tool result's first block. */
export function text(res: { content?: unknown }): string {
  return ((res.content as { text?: string }[] | undefined)?.[0]?.text ?? "").slice(0, 2000);
}
