import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";

let lab: Lab;
let claw: LabHost;
let configPath: string;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  claw = lab.hosts[0]!;
  configPath = lab.writeConfig({ claw: { host: claw.name, led: { backend: "ssh" } } });
});
afterAll(async () => {
  await lab?.stop();
});

const harness = () => connect(depsFor(JSON.parse(readFileSync(configPath, "utf8")), configPath));

describe("cluster_led on the ssh backend against a lab host", () => {
  it("sets pixel 3 to #ff8800 and get returns it from the host's kept state (driver in sim mode: no GPIO)", async () => {
    const h: Harness = await harness();
    try {
      const set = await h.call("cluster_led", { action: "set", pixels: [{ index: 3, color: "#ff8800" }] });
      expect(set.isError, JSON.stringify(set.content)).toBeFalsy();
      expect(set.structuredContent).toMatchObject({ backend: "ssh", driver: "sim" });
    } finally {
      await h.close();
    }
    // A new server and a new SSH connection: the state can only come from the host.
    const again = await harness();
    try {
      const get = await again.call("cluster_led", { action: "get" });
      expect(get.isError, JSON.stringify(get.content)).toBeFalsy();
      expect(get.structuredContent.pixels[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 0.2 });
      expect(get.structuredContent.pixels.filter((p: { brightness: number }) => p.brightness > 0)).toHaveLength(1);
    } finally {
      await again.close();
    }
    const kept = await lab.ssh(claw, "cat ~/.local/state/picoclaw-fleet/blinkt.json");
    expect(JSON.parse(kept.stdout).pixels[3]).toMatchObject({ r: 255, g: 136, b: 0 });
  });

  it("uploads the driver once: one checksummed file on the host", async () => {
    const h = await harness();
    try {
      await h.call("cluster_led", { action: "fill", color: "purple" });
    } finally {
      await h.close();
    }
    const listing = await lab.ssh(claw, "ls ~/.local/share/picoclaw-fleet/");
    expect(listing.stdout.trim().split("\n").filter((f) => f.startsWith("blinkt-driver-"))).toHaveLength(1);
  });
});
