import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SshTransport } from "../../src/fleet/ssh-transport.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";
import { depsFor } from "../helpers/mcp.js";
import type { Deps } from "../../src/deps.js";

let lab: Lab;
let deps: Deps;

function fleetConfig(overrides: Record<string, unknown> = {}): unknown {
  return JSON.parse(readFileSync(lab.writeConfig(overrides), "utf8"));
}

beforeAll(async () => {
  lab = await startLab({ hosts: 3, password: "lab-Secret-42" });
  deps = depsFor(fleetConfig());
});

afterAll(async () => {
  await deps?.fleet.close();
  await lab?.stop();
});

describe("SshTransport.exec", () => {
  it("returns one result shape for success and for a failing command", async () => {
    const t = deps.fleet.transport("h01");
    const ok = await t.exec("echo out; echo err >&2");
    expect(ok).toMatchObject({ host: "h01", exitCode: 0, stdout: "out\n", stderr: "err\n", truncated: false });
    expect(ok.failure).toBeUndefined();
    const bad = await t.exec("exit 3");
    expect(bad).toMatchObject({ exitCode: 3, stdout: "", stderr: "" });
    expect(bad.failure).toBeUndefined();
  });

  it("kills the whole process group at the timeout and says so", async () => {
    const t = deps.fleet.transport("h02");
    const started = Date.now();
    const res = await t.exec("echo started; sleep 300 & sh -c 'sleep 301' & wait", { timeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.failure?.kind).toBe("timeout");
    expect(res.failure?.message).toMatch(/^Command timed out after 1.5 s on h02: /);
    expect(res.stdout).toBe("started\n");
    const left = (await lab.processes(lab.hosts[1]!)).filter((p) => /sleep 30[01]/.test(p.cmd));
    expect(left).toEqual([]);
  });

  it("kills on abort", async () => {
    const t = deps.fleet.transport("h02");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const res = await t.exec("sleep 302", { signal: ac.signal });
    expect(res.failure?.kind).toBe("aborted");
    expect((await lab.processes(lab.hosts[1]!)).filter((p) => p.cmd.includes("sleep 302"))).toEqual([]);
  });

  it("caps a flood of output, keeps its tail, and stays usable", async () => {
    const t = deps.fleet.transport("h03");
    const res = await t.exec("seq 1 200000; echo THE-END", { maxOutputBytes: 64 * 1024 });
    expect(res.exitCode).toBe(0);
    expect(res.truncated).toBe(true);
    expect(res.stdout.startsWith("1\n2\n")).toBe(true);
    expect(res.stdout.endsWith("THE-END\n")).toBe(true);
    expect((await t.exec("echo still-here")).stdout).toBe("still-here\n");
  });

  it("runs 30 commands at once on one connection: extra work waits for a channel instead of failing", async () => {
    const fresh = depsFor(fleetConfig());
    const t = fresh.fleet.transport("h01");
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => t.exec(`sleep 0.2; echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    expect(results.every((r) => !r.failure)).toBe(true);
    expect(fresh.fleet.stats().connects).toBe(1);
    await fresh.fleet.close();
  });

  it("passes stdin and writes files over SFTP with their mode", async () => {
    const t = deps.fleet.transport("h01");
    expect((await t.exec("cat", { stdin: "via stdin" })).stdout).toBe("via stdin");
    await t.writeFile("~/.sub/dir/secret.txt", "s3cret", 0o600);
    const check = await lab.ssh(lab.hosts[0]!, "stat -c %a .sub/dir/secret.txt; cat .sub/dir/secret.txt");
    expect(check.stdout).toBe("600\ns3cret");
  });

  it("reconnects by itself after the connection dropped", async () => {
    const fresh = depsFor(fleetConfig());
    const t = fresh.fleet.transport("h03") as SshTransport;
    expect((await t.exec("echo one")).stdout).toBe("one\n");
    await lab.killSshd(lab.hosts[2]!);
    await lab.startSshd(lab.hosts[2]!);
    await new Promise((r) => setTimeout(r, 200));
    const again = await t.exec("echo two");
    expect(again.stdout).toBe("two\n");
    expect(t.stats.connects).toBe(2);
    await fresh.fleet.close();
  });
});

describe("host keys", () => {
  it("strict refuses an unknown host and does not write known_hosts", async () => {
    const empty = `${lab.dir}/empty_known_hosts`;
    writeFileSync(empty, "");
    const d = depsFor(fleetConfig({ ssh: { known_hosts: empty } }));
    const res = await d.fleet.transport("h01").exec("true");
    expect(res.failure?.kind).toBe("host_key");
    expect(res.failure?.message).toMatch(/Unknown host key for h01 .* ssh-keyscan -p \d+ 127\./);
    expect(readFileSync(empty, "utf8")).toBe("");
    await d.fleet.close();
  });

  it("accept-new writes a new host's key, then trusts it", async () => {
    const file = `${lab.dir}/tofu_known_hosts`;
    writeFileSync(file, "");
    const d = depsFor(fleetConfig({ ssh: { known_hosts: file, host_key_policy: "accept-new" } }));
    expect((await d.fleet.transport("h02").exec("echo hi")).stdout).toBe("hi\n");
    const h2 = lab.hosts[1]!;
    expect(readFileSync(file, "utf8")).toMatch(new RegExp(`^\\[${h2.host.replace(/\./g, "\\.")}\\]:${h2.port} ssh-ed25519 `));
    await d.fleet.close();
  });

  it("refuses a changed key under strict and under accept-new, and never connects", async () => {
    const victim = lab.hosts[2]!;
    const file = `${lab.dir}/changed_known_hosts`;
    writeFileSync(file, readFileSync(lab.knownHosts));
    await lab.rotateHostKey(victim);
    for (const policy of ["strict", "accept-new"]) {
      const d = depsFor(fleetConfig({ ssh: { known_hosts: file, host_key_policy: policy } }));
      const res = await d.fleet.transport(victim.name).exec("touch ~/should-not-exist");
      expect(res.failure?.kind, policy).toBe("host_key");
      expect(res.failure?.message).toMatch(/HOST KEY CHANGED for h03 .* ssh-keygen -R/);
      await d.fleet.close();
    }
    expect(readFileSync(file, "utf8")).toBe(readFileSync(lab.knownHosts, "utf8"));
    expect((await lab.exec(`test -e ${victim.home}/should-not-exist; echo $?`)).stdout).toBe("1\n");
  });
});

describe("authentication and errors", () => {
  it("authenticates with password_env when no key is offered", async () => {
    process.env.PCF_LAB_PASSWORD = "lab-Secret-42";
    const base = fleetConfig() as { hosts: Record<string, unknown>[] };
    for (const h of base.hosts) {
      delete h.ssh_key;
      h.password_env = "PCF_LAB_PASSWORD";
    }
    (base as Record<string, unknown>).ssh = { ...(base as any).ssh, config_file: "/nonexistent" };
    const home = process.env.HOME;
    process.env.HOME = lab.dir; // no default keys there
    const sock = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK;
    try {
      const d = depsFor(base);
      expect((await d.fleet.transport("h01").exec("id -un")).stdout).toBe(`${lab.hosts[0]!.user}\n`);
      process.env.PCF_LAB_PASSWORD = "wrong";
      const d2 = depsFor(base);
      const res = await d2.fleet.transport("h01").exec("true");
      expect(res.failure?.kind).toBe("auth");
      expect(res.failure?.message).toMatch(/^Authentication failed for .*@h01/);
      expect(res.failure?.message).not.toContain("wrong");
      await d.fleet.close();
      await d2.fleet.close();
    } finally {
      process.env.HOME = home;
      if (sock) process.env.SSH_AUTH_SOCK = sock;
      delete process.env.PCF_LAB_PASSWORD;
    }
  });

  it("reaches a host through a jump host", async () => {
    const base = fleetConfig() as { hosts: Record<string, unknown>[] };
    base.hosts[1]!.jump = "h01";
    const d = depsFor(base);
    const res = await d.fleet.transport("h02").exec("id -un");
    expect(res.stdout).toBe(`${lab.hosts[1]!.user}\n`);
    expect(d.fleet.stats().connects).toBe(2);
    await d.fleet.close();
  });
});
