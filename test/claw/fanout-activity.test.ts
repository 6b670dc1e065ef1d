import { readFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connect, depsFor } from "../helpers/mcp.js";
import { startLedApi } from "../lab/led-api.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";
import { closedPort } from "../lab/net.js";

let lab: Lab;
let rel: ReleaseServer;

beforeAll(async () => {
  process.env.X_KEY = "fake";
  [lab, rel] = await Promise.all([startLab({ hosts: 4 }), startReleaseServer()]);
}, 120_000);
afterAll(async () => {
  await rel?.stop();
  await lab?.stop();
});

/** The lab fleet config, PicoClaw coming from the release stand-in, with `led` as claw.led when given. */
function configFor(led?: Record<string, unknown>): unknown {
  const path = lab.writeConfig({ release: { api_url: rel.apiUrl }, defaults: { api_key_env: "X_KEY" }, ...(led ? { claw: { led } } : {}) });
  return JSON.parse(readFileSync(path, "utf8"));
}

type Colour = "off" | "green" | "red" | "amber" | "?";

/** Every distinct state the sim state file goes through, read every 5 ms, with when it was first seen. */
function watchStrip(file: string) {
  const states: { at: number; colours: Colour[] }[] = [];
  let last = "";
  const timer = setInterval(() => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return; // not written yet (or between temp file and rename)
    }
    const pixels = (JSON.parse(text) as { pixels: { r: number; g: number; b: number; brightness: number }[] }).pixels;
    const colours = pixels.map((p): Colour => (p.brightness === 0 ? "off" : p.r === 0 && p.g === 255 && p.b === 0 ? "green" : p.r === 255 && p.g === 0 && p.b === 0 ? "red" : p.g === 191 ? "amber" : "?"));
    if (colours.join() === last) return;
    last = colours.join();
    states.push({ at: performance.now(), colours });
  }, 5);
  return { states, stop: () => clearInterval(timer) };
}

/** A timed fan-out of one task over every lab host, on a fresh server (fresh SSH connections) each time. */
async function timedFanout(led?: Record<string, unknown>) {
  const h = await connect(depsFor(configFor(led)));
  try {
    const started = performance.now();
    const res = await h.call("fanout", { task: "hello" });
    return { ms: Math.round(performance.now() - started), summary: res.structuredContent.summary as Record<string, number> };
  } finally {
    await h.close();
  }
}

/** One host's end as the client heard it (fanout's progress notification). */
interface Finished {
  at: number;
  host: string;
  status: string;
}

/** A fan-out over the lab with one failing task and the others ending a second apart, on a server with `led`. */
async function staggeredFanout(led: Record<string, unknown>): Promise<Finished[]> {
  const h = await connect(depsFor(configFor({ ...led, activity: true })));
  const finished: Finished[] = [];
  const [h1, h2, h3, h4] = lab.hosts.map((x) => x.name);
  const tasks = [
    { host: h1, task: "sleep 2" },
    { host: h2, task: "fail" },
    { host: h3, task: "sleep 3" },
    { host: h4, task: "sleep 1" },
  ];
  try {
    const res = await h.call("fanout", { tasks }, {
      onprogress: (p: { progress: number; message?: string }) => {
        const [host, status] = (p.message ?? "").split(": ");
        finished.push({ at: performance.now(), host: host!, status: status! });
      },
    });
    expect(res.structuredContent.summary, JSON.stringify(res.structuredContent.results)).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
  } finally {
    await h.close();
  }
  expect(finished.map((f) => f.status).sort()).toEqual(["failed", "succeeded", "succeeded", "succeeded"]);
  return finished;
}

describe("fanout with claw.led.activity", () => {
  it("lights the strip as hosts finish: a bar that grows, two pixels per host coloured by outcome, then an error pulse (sim)", async () => {
    const file = join(lab.dir, "blinkt.json");
    const strip = watchStrip(file);
    let finished: Finished[];
    try {
      // PicoClaw is missing on the hosts: this fanout deploys it first (its deploys leave the strip to the fanout).
      finished = await staggeredFanout({ backend: "sim", state_file: file });
      expect(rel.downloads.size).toBeGreaterThan(0);
      // The pulse goes out after the call returns (fanout does not wait for the LEDs).
      await vi.waitFor(() => expect(strip.states.at(-1)!.colours).toEqual(Array(8).fill("red")), { timeout: 3000 });
    } finally {
      strip.stop();
    }
    const slice = (status: string): Colour[] => (status === "succeeded" ? ["green", "green"] : ["red", "red"]);
    const bar = (done: number): Colour[] => [...finished.slice(0, done).flatMap((f) => slice(f.status)), ...Array<Colour>(8 - 2 * done).fill("off")];
    const expected = [bar(0), bar(1), bar(2), bar(3), bar(4), Array<Colour>(8).fill("red")].map((c) => c.join());
    const seen = strip.states.map((s) => s.colours.join());
    // In order, nothing else in between; the full bar lives only milliseconds before the pulse
    // replaces it, so a 5 ms poll may miss that one, never the steps a second apart.
    expect(seen.every((c, i) => i === 0 || expected.indexOf(c) > expected.indexOf(seen[i - 1]!)), seen.join("\n")).toBe(true);
    expect(seen.filter((c) => c !== expected[4])).toEqual(expected.filter((c) => c !== expected[4]));
    const lag = [1, 2, 3].map((k) => Math.round(strip.states[seen.indexOf(expected[k]!)]!.at - finished[k - 1]!.at));
    console.info(`sim: bar step k shown ${lag.join(", ")} ms after host k's progress notification (k = 1-3)`);
    for (const ms of lag) expect(Math.abs(ms)).toBeLessThan(500);
  }, 120_000);

  it("sends the appliance's LED API the bar as progress, worst colour so far, then pulse_error (http)", async () => {
    const api = await startLedApi();
    try {
      const finished = await staggeredFanout({ backend: "http", url: api.url, state_file: join(lab.dir, "http-mirror.json") });
      await vi.waitFor(() => expect(api.requests.at(-1)?.path).toBe("/pulse_error"), { timeout: 3000 });
      const worst = (done: number) => (finished.slice(0, done).some((f) => f.status === "failed") ? "red" : "green");
      expect(api.requests.map((r) => [r.path, r.body])).toEqual([
        ...[0, 1, 2, 3, 4].map((done) => ["/set_progress", { percent: done * 25, color: worst(done) }]),
        ["/pulse_error", {}],
      ]);
    } finally {
      await api.close();
    }
  }, 120_000);

  it("deploy_host shows on the strip too: green when it succeeded, red when it failed", async () => {
    const file = join(lab.dir, "deploy.json");
    const h = await connect(depsFor(configFor({ backend: "sim", state_file: file, activity: true })));
    const strip = watchStrip(file);
    try {
      const ok = await h.call("deploy_host", { host: lab.hosts[0]!.name });
      expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
      await vi.waitFor(() => expect(strip.states.at(-1)?.colours).toEqual(Array(8).fill("green")), { timeout: 3000 });
      const bad = await h.call("deploy_host", { host: lab.hosts[0]!.name, version: "v9.9.9" });
      expect(bad.isError).toBe(true);
      await vi.waitFor(() => expect(strip.states.at(-1)?.colours).toEqual(Array(8).fill("red")), { timeout: 3000 });
    } finally {
      strip.stop();
      await h.close();
    }
  }, 120_000);

  it("still succeeds, no slower than 1 s more, with the LED backend unreachable (silent or refusing)", async () => {
    const mute = await muteListener();
    const refusing = await closedPort();
    try {
      await timedFanout(); // PicoClaw on every host, so the runs below time the same work
      const without = await timedFanout();
      const silent = await timedFanout({ backend: "http", url: mute.url, state_file: join(lab.dir, "silent.json"), activity: true });
      const refused = await timedFanout({ backend: "http", url: `http://127.0.0.1:${refusing}`, state_file: join(lab.dir, "refused.json"), activity: true });
      console.info(`fanout over 4 hosts: ${without.ms} ms without LEDs, ${silent.ms} ms with a silent LED API, ${refused.ms} ms with a refusing one`);
      for (const run of [without, silent, refused]) expect(run.summary).toMatchObject({ total: 4, succeeded: 4 });
      expect(mute.connections()).toBeGreaterThan(0); // the LED update was really attempted, and hung
      expect(silent.ms).toBeLessThan(without.ms + 1000);
      expect(refused.ms).toBeLessThan(without.ms + 1000);
    } finally {
      mute.close();
    }
  }, 120_000);
});

/** A loopback listener that accepts connections and never answers: an LED API that hangs. */
async function muteListener(): Promise<{ url: string; connections(): number; close(): void }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

