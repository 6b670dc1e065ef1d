import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseVersionOutput } from "../../src/picoclaw/version.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { REAL_ARCHIVE } from "../lab/real-picoclaw.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";

const KEY_ENV = "PCF_DEPLOY_REAL_TEST_KEY";

let lab: Lab;
let rel: ReleaseServer;
let h: Harness;

beforeAll(async () => {
  process.env[KEY_ENV] = `sk-ant-lab-${randomBytes(12).toString("hex")}`;
  [lab, rel] = await Promise.all([startLab({ hosts: 3 }), startReleaseServer({ versions: ["v0.2.3", "v0.2.7", "v0.2.9"], binaries: "real", arches: ["amd64"] })]);
  const path = lab.writeConfig({
    release: { api_url: rel.apiUrl, cache_dir: mkdtempSync(join(lab.dir, "cache-")) },
    defaults: { provider: "anthropic", api_key_env: KEY_ENV },
  });
  h = await connect(depsFor(JSON.parse(readFileSync(path, "utf8")), path));
}, 120_000);

afterAll(async () => {
  await h?.close();
  await rel?.stop();
  await lab?.stop();
  delete process.env[KEY_ENV];
});

const text = (res: { content?: unknown }): string => ((res.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");

/** What `~/.local/bin/picoclaw version` says on the host, over plain ssh. */
async function installed(host: LabHost): Promise<ReturnType<typeof parseVersionOutput>> {
  const res = await lab.ssh(host, "~/.local/bin/picoclaw version");
  expect(res.code, res.stderr).toBe(0);
  return parseVersionOutput(res.stdout);
}

/** deploy_host on `host` (of `version`, else latest), which must succeed; its structuredContent. */
async function deploy(host: LabHost, version?: string): Promise<Record<string, unknown>> {
  const res = await h.call("deploy_host", { host: host.name, ...(version ? { version } : {}) });
  expect(res.isError, text(res)).toBeFalsy();
  return res.structuredContent;
}

describe("deploy_host with the real PicoClaw", () => {
  it("installs the real v0.2.9 from the release server over SFTP; the host's picoclaw reports 0.2.9", async () => {
    const host = lab.hosts[0]!;
    expect(await deploy(host)).toMatchObject({ version: "0.2.9", arch: "amd64", asset: REAL_ARCHIVE, sha256: rel.sha256("v0.2.9", REAL_ARCHIVE), onboarded: true, action: "installed" });
    expect(await installed(host)).toEqual({ version: "0.2.9", git: "2992ecc" });
  });

  it("upgrades a host from the real v0.2.7 to v0.2.9", async () => {
    const host = lab.hosts[1]!;
    expect(await deploy(host, "v0.2.7")).toMatchObject({ version: "0.2.7", action: "installed" });
    expect(await installed(host)).toEqual({ version: "0.2.7", git: "71c877a" });
    expect(await deploy(host)).toMatchObject({ version: "0.2.9", action: "upgraded", previous_version: "0.2.7" });
    expect(await installed(host)).toEqual({ version: "0.2.9", git: "2992ecc" });
  });

  it("installs the real v0.2.3, the last release that keeps keys in config.json", async () => {
    const host = lab.hosts[2]!;
    expect(await deploy(host, "v0.2.3")).toMatchObject({ version: "0.2.3", onboarded: true });
    expect(await installed(host)).toEqual({ version: "0.2.3", git: "4d8fdb0" });
  });
});
