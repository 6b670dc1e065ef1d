import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedBackend } from "../../src/claw/backend.js";
import type { LedBackend } from "../../src/claw/led-types.js";
import { depsFor } from "../helpers/mcp.js";
import type { Deps } from "../../src/deps.js";

// The claw host is this machine (a `local` host) with its own HOME, so the upload logic runs without sshd.
const home = mkdtempSync(join(tmpdir(), "claw-home-"));
process.env.HOME = home;
const driverDir = join(home, ".local/share/picoclaw-fleet");
let deps: Deps;
let led: LedBackend;

beforeAll(() => {
  deps = depsFor({
    hosts: [{ name: "claw", transport: "local" }],
    claw: { host: "claw", led: { backend: "ssh", chip: join(home, "no-gpiochip") } },
  });
  led = createLedBackend(deps);
});
afterAll(async () => {
  await deps?.fleet.close();
  rmSync(home, { recursive: true, force: true });
});

const drivers = () => readdirSync(driverDir).filter((f) => /^blinkt-driver-[0-9a-f]{16}\.py$/.test(f));

describe("ssh LED backend on a local claw host", () => {
  it("uploads the driver on first use and answers from the state kept on the host", async () => {
    const set = await led.run({ action: "set", pixels: [{ index: 3, color: "#ff8800" }] });
    expect(set).toMatchObject({ backend: "ssh", driver: "sim" });
    expect(drivers()).toHaveLength(1);
    const kept = JSON.parse(readFileSync(join(home, ".local/state/picoclaw-fleet/blinkt.json"), "utf8"));
    expect(kept.pixels[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 0.2 });
    const get = await led.run({ action: "get" });
    expect(get.pixels[3]).toEqual({ index: 3, r: 255, g: 136, b: 0, brightness: 0.2 });
    expect(get.frame).toBe(set.frame);
  });

  it("does not upload again while the driver is unchanged", async () => {
    const path = join(driverDir, drivers()[0]!);
    const before = statSync(path).mtimeMs;
    await led.run({ action: "fill", color: "green" });
    expect(statSync(path).mtimeMs).toBe(before);
  });

  it("re-uploads a driver whose checksum no longer matches, and removes stale ones", async () => {
    const path = join(driverDir, drivers()[0]!);
    appendFileSync(path, "\nraise SystemExit(9)\n");
    writeFileSync(join(driverDir, "blinkt-driver-0000000000000000.py"), "old");
    const res = await led.run({ action: "get" });
    expect(res.pixels[0]).toMatchObject({ r: 0, g: 255, b: 0 });
    expect(drivers()).toEqual([path.split("/").pop()]);
    expect(readFileSync(path, "utf8")).not.toContain("SystemExit(9)");
  });

  it("refuses without claw.host, saying what to set", () => {
    const bare = depsFor({ hosts: [], claw: { led: { backend: "ssh" } } });
    expect(() => createLedBackend(bare)).toThrow(/^claw.host is not set: name the ClusterClaw host/);
  });
});
