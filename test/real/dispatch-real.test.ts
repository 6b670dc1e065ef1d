import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpawnedServer } from "../lab/fault-kit.js";
import { REAL_ARCHIVE } from "../lab/real-picoclaw.js";
import { KEY, startRealFleet, text, type RealFleet } from "./helpers.js";

// The real PicoClaw v0.2.9, deployed by the built stdio server over SSH, thinking with the lab's
// model-API stand-in: provider anthropic and no model in the fleet config, as a new user has it.
let fleet: RealFleet;
let server: SpawnedServer;

beforeAll(async () => {
  fleet = await startRealFleet(4);
  server = await fleet.serve(fleet.configPath());
}, 600_000);

afterAll(async () => {
  await fleet?.stop();
});

/** What the real PicoClaw's processes of a task left on a host: nothing but sshd's own, once it is over. */
async function leftovers(name: string): Promise<string[]> {
  const procs = await fleet.lab.processes(fleet.host(name));
  return procs.map((p) => p.cmd).filter((c) => !/^sshd|sshd-session|sshd: /.test(c));
}

describe("deploy and dispatch with the real PicoClaw", () => {
  it("deploys v0.2.9 to three hosts; dispatch answers with a model id the API accepts and the key only in its header", async () => {
    const deployed = await Promise.all(["h01", "h02", "h03"].map((host) => server.call("deploy_host", { host })));
    for (const res of deployed) {
      expect(res.isError, text(res)).toBeFalsy();
      expect(res.structuredContent).toMatchObject({ version: "0.2.9", arch: "amd64", asset: REAL_ARCHIVE, sha256: fleet.rel.sha256("v0.2.9", REAL_ARCHIVE), action: "installed", onboarded: true });
    }
    expect((await fleet.lab.ssh(fleet.host("h02"), "~/.local/bin/picoclaw version")).stdout).toContain("🦞 picoclaw 0.2.9 (git: 2992ecc)");
    fleet.api.on("what is your job?", { text: "I am a fleet worker." });
    const res = await server.call("dispatch_task", { host: "h01", task: "what is your job?" });
    expect(res.structuredContent, text(res)).toMatchObject({ host: "h01", status: "succeeded", exit_code: 0, reply: "I am a fleet worker." });
    const request = fleet.api.requests.at(-1)!;
    expect(request.model).toBe("claude-sonnet-4-6");
    expect(request.status).toBe(200);
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(request.body)).not.toContain(KEY);
    expect((await fleet.lab.exec(`ls -a ${fleet.host("h01").home}/.picoclaw`)).stdout).not.toMatch(/^\.env$/m);
  });

  it("gives every task a session of its own: two at once and a third share no messages, and leave no session file", async () => {
    fleet.api.on(/^private /, { text: "noted", delayMs: 500 });
    fleet.api.requests.length = 0;
    const both = await Promise.all(["private alpha", "private beta"].map((task) => server.call("dispatch_task", { host: "h02", task })));
    expect(both.map((r) => r.structuredContent.status)).toEqual(["succeeded", "succeeded"]);
    await server.call("dispatch_task", { host: "h02", task: "private gamma" });
    expect(fleet.api.requests).toHaveLength(3);
    for (const request of fleet.api.requests) {
      const users = request.messages.filter((m) => m.role === "user").map((m) => m.text);
      expect(users).toEqual([request.lastUser]);
    }
    const sessions = await fleet.lab.exec(`ls ${fleet.host("h02").home}/.picoclaw/workspace/sessions 2>/dev/null | grep fleet || true`);
    expect(sessions.stdout).toBe("");
  });

  it('continues a named session on purpose: the second "notes" task carries the first exchange', async () => {
    fleet.api.on("remember 42", { text: "I will remember 42." });
    fleet.api.on("what did I ask you to remember?", (req) => ({ text: req.messages.some((m) => m.text === "remember 42") ? "42" : "nothing" }));
    await server.call("dispatch_task", { host: "h02", task: "remember 42", session: "notes" });
    const res = await server.call("dispatch_task", { host: "h02", task: "what did I ask you to remember?", session: "notes" });
    expect(res.structuredContent.reply).toBe("42");
    const roles = fleet.api.requests.at(-1)!.messages.filter((m) => m.role !== "system").map((m) => `${m.role}:${m.text}`);
    expect(roles).toEqual(["user:remember 42", "assistant:I will remember 42.", "user:what did I ask you to remember?"]);
  });

  it("lets PicoClaw's own exec tool run uname -m on the worker, and the reply quotes it", async () => {
    fleet.api.on("which machine are you?", (req) => (req.toolResults.length ? { text: `uname says ${req.toolResults.at(-1)!.trim()}` } : { tool: "exec", input: { action: "run", command: "uname -m" } }));
    const res = await server.call("dispatch_task", { host: "h03", task: "which machine are you?" });
    expect(res.structuredContent, text(res)).toMatchObject({ status: "succeeded" });
    expect(res.structuredContent.reply).toMatch(/uname says .*x86_64/);
  });

  it.each([
    ["sleep 300", "a foreground command"],
    ["sleep 300 &", "a background job"],
  ])("kills what PicoClaw's exec tool started at timeout_s 5 (%s: %s) within 10 s, leaving no process", async (command) => {
    const task = `run ${command}`;
    fleet.api.on(task, (req) => (req.toolResults.length ? { text: "done", delayMs: 60_000 } : { tool: "exec", input: { action: "run", command } }));
    const started = Date.now();
    const res = await server.call("dispatch_task", { host: "h03", task, timeout_s: 5 });
    expect(res.structuredContent, text(res)).toMatchObject({ status: "timed_out" });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await leftovers("h03")).toEqual([]);
  });

  it("gives a task that starts with / to the model as text, and runs PicoClaw's own /help only with slash_command", async () => {
    fleet.api.requests.length = 0;
    const asText = await server.call("dispatch_task", { host: "h01", task: "/var/log is full: why?" });
    expect(asText.structuredContent.status).toBe("succeeded");
    expect(fleet.api.requests.at(-1)!.lastUser.replace(/^\u2060/, "")).toBe("/var/log is full: why?");
    fleet.api.requests.length = 0;
    const command = await server.call("dispatch_task", { host: "h01", task: "/help", slash_command: true });
    expect(command.structuredContent, text(command)).toMatchObject({ status: "succeeded" });
    expect(command.structuredContent.reply).toMatch(/\/help|commands/i);
    expect(fleet.api.requests).toEqual([]);
  });
});
