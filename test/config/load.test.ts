import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, configPath, loadConfig, parseConfig, TEMPLATE } from "../../src/config/load.js";

const SKILL_CONFIG = {
  hosts: [{ name: "darth", host: "192.168.50.57", user: "eric", arch: "arm64", ssh_key: "~/.ssh/id_rsa" }],
  defaults: { provider: "anthropic", api_key_env: "ANTHROPIC_API_KEY" },
};

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "pcf-config-"));
}

describe("loadConfig", () => {
  it("loads the skill's documented config unchanged, with defaults filled in", () => {
    const config = parseConfig(SKILL_CONFIG);
    expect(config.hosts[0]).toMatchObject({ name: "darth", host: "192.168.50.57", user: "eric", arch: "arm64", transport: "ssh", labels: [] });
    expect(config.defaults).toMatchObject({ provider: "anthropic", api_key_env: "ANTHROPIC_API_KEY", timeout_s: 120, concurrency: 32, wait_s: 45 });
    expect(config.ssh).toMatchObject({ host_key_policy: "strict", connect_timeout_s: 10, keepalive_s: 15 });
    expect(config.release).toMatchObject({ repo: "sipeed/picoclaw", version: "latest", api_url: "https://api.github.com" });
    expect(config.allow_adhoc_hosts).toBe(false);
  });

  it("names the JSON path of every problem, one line each", () => {
    const bad = {
      hosts: [{ name: "a", host: "x" }, { name: "b", host: "y" }, { name: "c", host: "z", port: "22" }, { name: "d", arch: "sparc" }],
      ssh: { host_key_policy: "yolo" },
    };
    let error: ConfigError | undefined;
    try {
      parseConfig(bad, "/tmp/x.json");
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.problems[0]).toMatch(/^hosts\[2\]\.port: expected number, received string, got "22"$/);
    expect(error!.problems[1]).toMatch(/^hosts\[3\]\.arch: /);
    expect(error!.problems[2]).toMatch(/^ssh\.host_key_policy: /);
    expect(error!.message.split("\n")).toHaveLength(4);
  });

  it("refuses two hosts with one name", () => {
    expect(() => parseConfig({ hosts: [{ name: "a" }, { name: "a" }] })).toThrow(/hosts\[1\]\.name: "a" is already used by hosts\[0\]/);
  });

  it("finds --config first, then $PICOCLAW_FLEET_CONFIG, then the skill's path", () => {
    expect(configPath("/a.json", { PICOCLAW_FLEET_CONFIG: "/b.json" })).toBe("/a.json");
    expect(configPath(undefined, { PICOCLAW_FLEET_CONFIG: "/b.json" })).toBe("/b.json");
    expect(configPath(undefined, {})).toMatch(/\.openclaw\/workspace\/config\/picoclaw-fleet\.json$/);
  });

  it("writes the template with the local host when the file is missing, and says so", async () => {
    const path = join(tmp(), "deep", "fleet.json");
    const loaded = await loadConfig(undefined, { PICOCLAW_FLEET_CONFIG: path });
    expect(loaded.created).toBe(true);
    expect(loaded.path).toBe(path);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(TEMPLATE);
    expect(loaded.config.hosts).toEqual([{ name: "local", transport: "local", labels: [] }]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = await loadConfig(path);
    expect(again.created).toBe(false);
  });

  it("reports broken JSON as one line", async () => {
    const path = join(tmp(), "fleet.json");
    writeFileSync(path, "{ hosts: [");
    await expect(loadConfig(path)).rejects.toThrow(/\(root\): not valid JSON/);
  });
});
