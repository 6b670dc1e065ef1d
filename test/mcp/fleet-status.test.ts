import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../lab/sshd-lab.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";

let lab: Lab;
let h: Harness;

beforeAll(async () => {
  lab = await startLab({ hosts: 5, refusing: true, silent: true });
  h = await connect(depsFor(JSON.parse(readFileSync(lab.writeConfig(), "utf8"))));
});

afterAll(async () => {
  await h?.close();
  await lab?.stop();
});

describe("fleet_status tool", () => {
  it("lists every tool with an outputSchema and all four annotations", async () => {
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toContain("fleet_status");
    for (const tool of tools) {
      expect(tool.outputSchema, tool.name).toBeDefined();
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe("boolean");
      }
    }
  });

  it("returns a row per host, refusing and silent included, within the connect timeout plus a second", async () => {
    const started = Date.now();
    const progress: number[] = [];
    const res = await h.call("fleet_status", {}, { onprogress: (p) => progress.push(p.progress) });
    const elapsed = Date.now() - started;
    expect(res.isError).toBeFalsy();
    const out = res.structuredContent;
    const text = (res.content as { text: string }[])[0]!.text;
    expect(text).toMatch(/^fleet_status: 7 hosts, 5 reachable, \d+ with PicoClaw \(/);
    expect(text).toMatch(/\nunreachable refusing \(.*\): refused/);
    expect(out.summary).toMatchObject({ total: 7, reachable: 5 });
    for (const host of lab.hosts) {
      const row = out.hosts.find((r: { name: string }) => r.name === host.name);
      expect(row, host.name).toMatchObject({ reachable: true, arch: "amd64", picoclaw: { installed: false } });
      expect(row.load.cpus).toBeGreaterThan(0);
      expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    }
    const refusing = out.hosts.find((r: { name: string }) => r.name === "refusing");
    expect(refusing.reachable).toBe(false);
    expect(refusing.error).toMatch(/^refused: Connection refused/);
    const silent = out.hosts.find((r: { name: string }) => r.name === "silent");
    expect(silent.reachable).toBe(false);
    expect(silent.error).toMatch(/^connect_timeout: No answer from silent .* within 3 s/);
    expect(elapsed).toBeLessThan(3000 + 1000);
    expect(progress.length).toBe(7);
  });

  it("selects by names and labels, and refuses a host that is not in the config", async () => {
    const byLabel = await h.call("fleet_status", { labels: ["odd"] });
    expect(byLabel.structuredContent.hosts.map((r: { name: string }) => r.name)).toEqual(["h01", "h03", "h05"]);
    const bad = await h.call("fleet_status", { hosts: ["h01", "nope"] });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/Unknown host "nope": not in the config/);
  });

  it("reuses the pooled connections on a second call", async () => {
    const before = h.deps.fleet.stats().connects;
    await h.call("fleet_status", { labels: ["lab"] });
    expect(h.deps.fleet.stats().connects).toBe(before);
  });
});
