import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "../lab/net.js";
import { harness, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";

// defaults.webhook_url: every finished task and fan-out is pushed as it ends, nobody polling.
let fleet: FaultFleet;
let receiver: Server;
let url: string;
const posts: { at: number; body: any; path: string }[] = [];

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 3 });
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      posts.push({ at: Date.now(), body: JSON.parse(body), path: req.url ?? "" });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/fleet?token=s3cret-hook-token`;
}, 120_000);

afterAll(async () => {
  receiver?.close();
  await fleet?.stop();
});

/**
 * Prints the host's home (each lab host's own, so each gives its own answer) and its clock (ms) as
 * the command's last word: the end the POST is measured against.
 */
const COMMAND = 'sleep 1; echo "$HOME $(date +%s%3N)"';
/** The clock a reply ends with. */
const endOf = (reply: string) => Number(reply.split(" ").pop());

describe("webhook", () => {
  it("gets one POST per finished task and one per fan-out, each within 1 s of its end, with no client polling", async () => {
    const h = await harness(fleet.configPath({ defaults: { webhook_url: url } }));
    try {
      const res = await h.call("run_command", { command: COMMAND, wait_s: 0 });
      const fanoutId = res.structuredContent.fanout_id;
      const deadline = Date.now() + 10_000;
      while (posts.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
      const tasks = posts.filter((p) => p.body.event === "task.completed");
      const fanouts = posts.filter((p) => p.body.event === "fanout.completed");
      expect(tasks.map((p) => p.body.host).sort()).toEqual(["h01", "h02", "h03"]);
      expect(fanouts).toHaveLength(1);
      expect(fanouts[0]!.body).toMatchObject({ fanout_id: fanoutId, tool: "run_command", summary: { total: 3, succeeded: 3 } });
      expect(fanouts[0]!.body.groups).toHaveLength(3); // each host printed its own home
      for (const p of tasks) {
        expect(p.body).toMatchObject({ status: "succeeded", exit_code: 0, kind: "command" });
        expect(p.body.task_id).toMatch(/^t-/);
        expect(Date.parse(p.body.completed_at)).not.toBeNaN();
        expect(p.at - endOf(p.body.reply)).toBeLessThan(1000);
      }
      const lastEnd = Math.max(...tasks.map((p) => endOf(p.body.reply)));
      expect(fanouts[0]!.at - lastEnd).toBeLessThan(1000);
      expect(posts.every((p) => p.path === "/hooks/fleet?token=s3cret-hook-token")).toBe(true);
    } finally {
      await h.close();
    }
  });

  it("a dead receiver costs the same fan-out at most 1 s more", async () => {
    const timed = async (hook: string) => {
      const h = await harness(fleet.configPath({ defaults: { webhook_url: hook } }));
      try {
        const started = Date.now();
        const res = await h.call("run_command", { command: COMMAND });
        expect(res.structuredContent.summary).toMatchObject({ succeeded: 3 });
        return Date.now() - started;
      } finally {
        await h.close();
      }
    };
    const live = await timed(url);
    const dead = await timed(`http://127.0.0.1:${await closedPort()}/hooks/fleet?token=s3cret-hook-token`);
    expect(dead - live).toBeLessThan(1000);
  });
});

describe("webhook URL", () => {
  it("is scrubbed like a key wherever it would appear (it may carry a token)", async () => {
    const { secretValues } = await import("../../src/runtime.js");
    const { parseConfig } = await import("../../src/config/load.js");
    const config = parseConfig({ hosts: [], defaults: { webhook_url: "http://127.0.0.1:9/h?token=abc" } }, "(test)");
    expect(secretValues(config, {})).toContain("http://127.0.0.1:9/h?token=abc");
  });
});
