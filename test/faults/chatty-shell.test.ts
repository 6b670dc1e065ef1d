import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../helpers/mcp.js";
import { harness, startFaultFleet, type FaultFleet } from "../lab/fault-kit.js";

// Issue 16, item 7: a login shell that prints (a motd, `fortune`, a conda banner) before every
// command. Every answer we parse is framed, and SFTP broken by the noise is explained.

let fleet: FaultFleet;
let h: Harness;

/** bash reads ~/.bashrc for a command sshd runs (the sftp-server subsystem included). */
const EVERYWHERE = `echo "Welcome to the lab"\n`;
const COMMANDS_ONLY = `case "$BASH_EXECUTION_STRING" in *sftp-server*) ;; *) echo "Welcome to the lab"; echo "/tmp/x" ;; esac\n`;

beforeAll(async () => {
  fleet = await startFaultFleet({ hosts: 2 });
  const [h01, h02] = fleet.lab.hosts;
  await fleet.lab.writeHomeFile(h01!, ".bashrc", EVERYWHERE, 0o644);
  await fleet.lab.writeHomeFile(h02!, ".bashrc", COMMANDS_ONLY, 0o644);
  // Task directories kept: task_logs then reads the host's answer, not the journal.
  h = await harness(fleet.configPath({ tasks: { retention_s: 600 } }));
}, 120_000);

afterAll(async () => {
  await h?.close();
  await fleet?.stop();
});

const text = (res: { content: unknown }) => (res.content as { text: string }[]).map((c) => c.text).join("\n");
/** What a deploy may leave in ~/.local/bin and ~/.picoclaw-fleet/staging besides the binaries. */
function leftovers(i: number): string[] {
  const home = fleet.lab.hosts[i]!.home;
  const list = (dir: string) => {
    try {
      return readdirSync(join(home, dir)).map((f) => `${dir}/${f}`);
    } catch {
      return [];
    }
  };
  return [...list(".local/bin"), ...list(".picoclaw-fleet/staging")].filter((f) => !/\/picoclaw(-launcher)?$/.test(f));
}

describe("fault: a chatty login shell", () => {
  it("deploy over a shell that breaks SFTP says what is wrong and how to fix it, and leaves nothing behind", async () => {
    const res = await h.call("deploy_host", { host: "h01" });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/printed "Welc/);
    expect(text(res)).toMatch(/~\/\.bashrc/);
    expect(text(res)).toMatch(/non-interactive/);
    expect(leftovers(0)).toEqual([]);
  });

  it("deploy with noise on commands only succeeds and leaves no .picoclaw-install.* behind", async () => {
    const res = await h.call("deploy_host", { host: "h02" });
    expect(res.isError, text(res)).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ action: "installed", version: "0.2.9" });
    expect(leftovers(1)).toEqual([]);
  });

  it("fleet_status and dispatch work with the noise", async () => {
    const status = (await h.call("fleet_status", { hosts: ["h01", "h02"] })).structuredContent;
    expect(status.hosts.map((x: { reachable: boolean }) => x.reachable)).toEqual([true, true]);
    expect(status.hosts[1].picoclaw).toMatchObject({ installed: true, version: "0.2.9" });
    const res = await h.call("dispatch_task", { host: "h02", task: "hello there", wait_s: 30 });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "hello there" });
  });

  it("run_command answers with the command's own output on both: the lane where SFTP works, the runner where it is broken", async () => {
    const res = await h.call("run_command", { command: "uname -m", hosts: ["h01", "h02"], output: "full" });
    const rows = res.structuredContent.results;
    expect(rows.map((r: { status: string; stdout: string }) => [r.status, r.stdout])).toEqual([
      ["succeeded", "x86_64\n"],
      ["succeeded", "x86_64\n"],
    ]);
  });

  it("task_logs of a finished task holds its own lines: no banner, no frame marker", async () => {
    const done = (await h.call("dispatch_task", { host: "h02", task: "lines 3", wait_s: 30 })).structuredContent;
    expect(done).toMatchObject({ status: "succeeded", reply: "printed 3 lines" });
    const lines = (await h.call("task_logs", { task_id: done.task_id, lines: 20 })).structuredContent.lines as string[];
    expect(lines.join("\n")).toContain("printed 3 lines");
    expect(lines.filter((l) => /Welcome|\u001e/.test(l))).toEqual([]);
  });

  it("teardown lists only the paths it removed, not the banner", async () => {
    const [row] = (await h.call("teardown", { hosts: ["h02"] })).structuredContent.results;
    expect(row.status).toBe("succeeded");
    expect(row.removed).toContain("~/.local/bin/picoclaw");
    expect(row.removed.filter((p: string) => !p.startsWith("~/"))).toEqual([]);
  });
});
