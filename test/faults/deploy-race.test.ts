import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { harness, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";

// Issue 16, item 6: two deploys to one host at once (from one server, or from two: the CLI beside
// the server) take turns, and each result says what it really installed; a deploy that fails after
// the binary was swapped says which PicoClaw the host runs now.

let fleet: FaultFleet;
let a: Harness;
let b: Harness;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 1 });
  a = await harness(fleet.configPath());
  b = await harness(fleet.configPath());
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await fleet?.stop();
});

const h01 = () => fleet.lab.hosts[0]!;

async function hostVersion(): Promise<string> {
  const out = (await fleet.lab.ssh(h01(), "~/.local/bin/picoclaw version")).stdout;
  return /picoclaw (\d+\.\d+\.\d+)/.exec(out)?.[1] ?? `(none: ${out})`;
}

/** Two forced deploys of different versions at once; the results in the order they finished. */
async function race(first: Harness, second: Harness): Promise<{ version: string; action: string }[]> {
  const finished: { version: string; action: string }[] = [];
  await Promise.all(
    [first.call("deploy_host", { host: "h01", version: "v0.2.8", force: true }), second.call("deploy_host", { host: "h01", version: "v0.2.9", force: true })].map(async (p) => {
      const res = await p;
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      finished.push(res.structuredContent);
    }),
  );
  return finished;
}

describe("fault: two deploys to one host at once", () => {
  it("from one server: each reports its own version, and the host runs the last one's", async () => {
    for (let round = 0; round < 3; round++) {
      const finished = await race(a, a);
      expect(finished.map((r) => r.version).sort()).toEqual(["0.2.8", "0.2.9"]);
      expect(await hostVersion()).toBe(finished[1]!.version);
    }
  });

  it("from two servers (no shared memory): they take turns through a lock on the host", async () => {
    for (let round = 0; round < 3; round++) {
      const finished = await race(a, b);
      expect(finished.map((r) => r.version).sort()).toEqual(["0.2.8", "0.2.9"]);
      expect(await hostVersion()).toBe(finished[1]!.version);
    }
    expect((await fleet.lab.ssh(h01(), "ls -a ~/.picoclaw-fleet")).stdout).not.toMatch(/lock/);
  });

  it("a deploy that fails after swapping the binary (config.json unreadable) says which PicoClaw is there now", async () => {
    await a.call("deploy_host", { host: "h01", version: "v0.2.8", force: true });
    await fleet.lab.writeHomeFile(h01(), ".picoclaw/config.json", "{ not json", 0o600);
    const res = await a.call("deploy_host", { host: "h01", version: "v0.2.9", force: true });
    expect(res.isError).toBe(true);
    const text = (res.content as { text: string }[])[0]!.text;
    expect(text).toMatch(/not valid JSON/);
    expect(text).toMatch(/PicoClaw 0\.2\.9 is installed on h01 now \(it replaced 0\.2\.8\)/);
    expect(await hostVersion()).toBe("0.2.9");
  });
});
