import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpawnedServer } from "../lab/fault-kit.js";
import { startRealFleet, text, type RealFleet } from "./helpers.js";

// Upgrades, downgrades, the layout before .security.yml, and a keyless fleet, with the real builds
// of PicoClaw v0.2.3, v0.2.7 (v0.2.8 is not on the Go module proxy) and v0.2.9.
let fleet: RealFleet;
let server: SpawnedServer;

beforeAll(async () => {
  fleet = await startRealFleet(3);
  server = await fleet.serve(fleet.configPath());
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

const MEMORY = ".picoclaw/workspace/memory/MEMORY.md";

async function sh(name: string, command: string): Promise<string> {
  const res = await fleet.lab.ssh(fleet.host(name), command);
  if (res.code !== 0) throw new Error(`${name}: ${command}: ${res.stderr}`);
  return res.stdout;
}

describe("deploy_host with the real PicoClaw", () => {
  it("upgrades v0.2.7 to v0.2.9 keeping the worker's memory and workspace, and tasks still answer", async () => {
    const first = await server.call("deploy_host", { host: "h01", version: "v0.2.7" });
    expect(first.structuredContent, text(first)).toMatchObject({ version: "0.2.7", action: "installed", onboarded: true });
    await sh("h01", `echo "- the fleet's owner likes tea" >> ~/${MEMORY}; echo "mine" > ~/.picoclaw/workspace/USER.md`);
    const up = await server.call("deploy_host", { host: "h01" });
    expect(up.structuredContent, text(up)).toMatchObject({ version: "0.2.9", action: "upgraded", onboarded: false, previous_version: "0.2.7" });
    expect(await sh("h01", `cat ~/${MEMORY}`)).toContain("the fleet's owner likes tea");
    expect(await sh("h01", "cat ~/.picoclaw/workspace/USER.md")).toBe("mine\n");
    const res = await server.call("dispatch_task", { host: "h01", task: "still there?" });
    expect(res.structuredContent, text(res)).toMatchObject({ status: "succeeded", reply: "still there?" });
  });

  it("refuses a downgrade to a version that cannot read the host's config, before touching the host", async () => {
    const before = await sh("h01", "stat -c '%Y %s' ~/.local/bin/picoclaw ~/.picoclaw/config.json; ls ~/.picoclaw-fleet/staging");
    const res = await server.call("deploy_host", { host: "h01", version: "v0.2.3" });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/Refusing to deploy PicoClaw 0\.2\.3 to h01: PicoClaw 0\.2\.9 left a config of schema 3 .*Nothing on h01 was changed/);
    expect(await sh("h01", "stat -c '%Y %s' ~/.local/bin/picoclaw ~/.picoclaw/config.json; ls ~/.picoclaw-fleet/staging")).toBe(before);
    expect(await sh("h01", "~/.local/bin/picoclaw version")).toContain("picoclaw 0.2.9");
  });

  it("allows a downgrade that keeps a working PicoClaw (v0.2.9 to v0.2.7, one config schema)", async () => {
    const down = await server.call("deploy_host", { host: "h01", version: "v0.2.7" });
    expect(down.structuredContent, text(down)).toMatchObject({ version: "0.2.7", downgraded: true });
    const res = await server.call("dispatch_task", { host: "h01", task: "older but working" });
    expect(res.structuredContent, text(res)).toMatchObject({ status: "succeeded", reply: "older but working" });
  });

  it("v0.2.3, before .security.yml: the key goes into config.json and tasks answer", async () => {
    const res = await server.call("deploy_host", { host: "h02", version: "v0.2.3" });
    expect(res.structuredContent, text(res)).toMatchObject({ version: "0.2.3", action: "installed" });
    const task = await server.call("dispatch_task", { host: "h02", task: "hello from the old layout" });
    expect(task.structuredContent, text(task)).toMatchObject({ status: "succeeded", reply: "hello from the old layout" });
    expect(fleet.api.requests.at(-1)!.model).toBe("claude-sonnet-4-6");
  });

  it("a keyless OpenAI-compatible endpoint deploys and answers with no API key in the environment at all", async () => {
    fleet.api.set({ service: "openai", keys: undefined, models: ["qwen2.5:0.5b"] });
    try {
      const keyless = await fleet.serve(fleet.configPath({ defaults: { provider: "openai", api_base: fleet.api.url, model: "qwen2.5:0.5b" } }), { keyless: true });
      const deployed = await keyless.call("deploy_host", { host: "h03" });
      expect(deployed.structuredContent, text(deployed)).toMatchObject({ version: "0.2.9", action: "installed" });
      const res = await keyless.call("dispatch_task", { host: "h03", task: "think locally" });
      expect(res.structuredContent, text(res)).toMatchObject({ status: "succeeded", reply: "think locally" });
      const request = fleet.api.requests.at(-1)!;
      expect(request).toMatchObject({ model: "qwen2.5:0.5b", form: "chat-completions" });
      expect(request.headers.authorization).toBeUndefined();
    } finally {
      fleet.api.set({ service: "anthropic", keys: ["sk-ant-real-lab-0123456789abcdef"], models: undefined });
    }
  });
});
