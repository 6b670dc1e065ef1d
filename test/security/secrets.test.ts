import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { secretValues } from "../../src/runtime.js";
import { buildDeps } from "../../src/wire.js";
import { connect, type Harness } from "../helpers/mcp.js";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { plainSshArgs } from "../lab/keys.js";
import { run } from "../lab/run.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";

const KEY = `sk-ant-pcf-${randomBytes(12).toString("hex")}`;
const PASSWORD = `pw-${randomBytes(12).toString("hex")}`;
const WRONG = `wrong-${randomBytes(12).toString("hex")}`;
const SECRETS = [KEY, PASSWORD, WRONG];

let lab: Lab;
let rel: ReleaseServer;
let base: any;
let labUids: Set<number>;
let savedHome: string | undefined;
let savedAgent: string | undefined;
/** Everything the MCP client was handed in this file: results and error messages, as JSON text. */
const seenByClient: string[] = [];
/** Every command line this file's servers sent to a host (each becomes a remote shell's argv). */
const commandLines: string[] = [];

/** A server whose pino output (at `level`) goes to a file of its own; returns the harness and that file. */
async function serverWithLog(config: unknown, level = "debug"): Promise<{ h: Harness; log: () => string }> {
  const parsed = parseConfig(config);
  const file = join(lab.dir, `server-${randomBytes(4).toString("hex")}.log`);
  const fd = openSync(file, "a");
  const logger = createLogger({ level, secrets: () => secretValues(parsed), destination: fd });
  const h = await connect(buildDeps(parsed, "(secrets test)", logger));
  const close = h.close;
  h.close = async () => {
    await close();
    closeSync(fd);
  };
  // A spy at the SSH boundary: every command line sent to a host is the argv of its remote shell.
  for (const host of parsed.hosts) {
    const transport = h.deps.fleet.transport(host.name);
    const exec = transport.exec.bind(transport);
    transport.exec = (command, options) => {
      commandLines.push(`${host.name}: ${command}`);
      return exec(command, options);
    };
  }
  const call = h.call;
  h.call = async (...args) => {
    const res = await call(...args);
    seenByClient.push(JSON.stringify(res));
    return res;
  };
  return { h, log: () => readFileSync(file, "utf8") };
}

/**
 * Samples the argv of every process on this machine (the lab hosts' users live here), and the
 * environment of the lab users' processes, every ~10 ms until stopped.
 */
function sampleProcesses() {
  let running = true;
  const hits: string[] = [];
  const argvs = new Set<string>();
  let samples = 0;
  const check = (where: string, text: string) => {
    for (const s of SECRETS) if (text.includes(s)) hits.push(`${where}: ${text.slice(0, 300)}`);
  };
  const loop = (async () => {
    while (running) {
      const pids = (await readdir("/proc")).filter((p) => /^\d+$/.test(p));
      await Promise.all(
        pids.map(async (pid) => {
          const argv = await readFile(`/proc/${pid}/cmdline`).catch(() => null);
          if (!argv?.length) return;
          const text = argv.toString("utf8").replaceAll("\0", " ");
          check(`argv of ${pid}`, text);
          if (/picoclaw|sshd: /.test(text)) argvs.add(text.slice(0, 200));
          const owner = await stat(`/proc/${pid}`).then((s) => s.uid, () => -1);
          if (labUids.has(owner)) {
            const env = await readFile(`/proc/${pid}/environ`).catch(() => null);
            if (env) check(`environment of ${pid}`, env.toString("utf8"));
          }
        }),
      );
      samples++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { hits, argvs: [...argvs], samples };
    },
  };
}

function hostEntry(name: string): any {
  return base.hosts.find((x: { name: string }) => x.name === name);
}

beforeAll(async () => {
  process.env.PCF_SEC_KEY = KEY;
  process.env.PCF_SEC_PASSWORD = PASSWORD;
  process.env.PCF_SEC_WRONG = WRONG;
  lab = await startLab({ hosts: 3, password: PASSWORD });
  rel = await startReleaseServer();
  labUids = new Set(await Promise.all(lab.hosts.map(async (x) => Number((await lab.exec(`id -u ${x.user}`)).stdout.trim()))));
  // No ssh-agent and no default key files: h02 and h03 authenticate with their password alone.
  savedHome = process.env.HOME;
  savedAgent = process.env.SSH_AUTH_SOCK;
  process.env.HOME = lab.dir;
  delete process.env.SSH_AUTH_SOCK;
  base = JSON.parse(readFileSync(lab.writeConfig({ release: { api_url: rel.apiUrl }, defaults: { api_key_env: "PCF_SEC_KEY" } }), "utf8"));
  for (const [name, env] of [["h02", "PCF_SEC_PASSWORD"], ["h03", "PCF_SEC_WRONG"]]) {
    delete hostEntry(name).ssh_key;
    hostEntry(name).password_env = env;
  }
});

afterAll(async () => {
  process.env.HOME = savedHome;
  if (savedAgent) process.env.SSH_AUTH_SOCK = savedAgent;
  await rel?.stop();
  await lab?.stop();
});

describe("secrets: the API key and password_env values", () => {
  let h: Harness;
  let log: () => string;
  const host = (name: string): LabHost => lab.hosts.find((x) => x.name === name)!;

  beforeAll(async () => {
    ({ h, log } = await serverWithLog(base));
  });

  afterAll(async () => {
    await h?.close();
  });

  it("are in no process's argv or environment on the hosts while deploy runs, and arrive in 0600 files", async () => {
    const sampler = sampleProcesses();
    const deployed = await Promise.all(["h01", "h02"].map((name) => h.call("deploy_host", { host: name })));
    const seen = await sampler.stop();
    expect(deployed.map((d) => d.isError)).toEqual([undefined, undefined]);
    expect(seen.samples).toBeGreaterThan(3);
    expect(seen.hits).toEqual([]);
    // Processes that live for milliseconds can slip between samples; the command lines cannot.
    expect(commandLines.filter((c) => c.includes("onboard")).length).toBeGreaterThanOrEqual(2);
    expect(commandLines.filter((c) => SECRETS.some((s) => c.includes(s)))).toEqual([]);
    for (const name of ["h01", "h02"]) {
      // v0.2.9 (the lab's latest) reads its key from .security.yml, and from nowhere else: no .env copy.
      expect(existsSync(join(host(name).home, ".picoclaw/.env")), `${name}: .env`).toBe(false);
      for (const file of [".picoclaw/.security.yml", ".picoclaw/config.json"]) {
        const path = join(host(name).home, file);
        if (!file.endsWith("config.json")) expect(readFileSync(path, "utf8"), `${name}:${file}`).toContain(KEY);
        expect(statSync(path).mode & 0o777, `${name}:${file}`).toBe(0o600);
      }
    }
  });

  it("are in no process's argv or environment on the hosts while a task runs (a password host included)", async () => {
    const sampler = sampleProcesses();
    const res = await h.call("dispatch_task", { host: "h02", task: "sleep 2" });
    const seen = await sampler.stop();
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "slept 2" });
    // The sampler did see the task's own processes: it would have seen a secret beside them.
    expect(seen.argvs.some((a) => a.includes("picoclaw agent -m sleep 2"))).toBe(true);
    expect(seen.hits).toEqual([]);
    expect(commandLines.filter((c) => SECRETS.some((s) => c.includes(s)))).toEqual([]);
  });

  it("are never in an error message, a wrong password's auth failure included", async () => {
    const status = await h.call("fleet_status", { hosts: ["h03"] });
    expect(status.structuredContent.hosts[0].error).toMatch(/^auth: Authentication failed for .*@h03/);
    const dispatched = await h.call("dispatch_task", { host: "h03", task: "hello" });
    expect(dispatched.structuredContent).toMatchObject({ status: "unreachable" });
    const deploy = await h.call("deploy_host", { host: "h03" });
    expect(deploy.isError).toBe(true);
    expect((deploy.content as { text: string }[])[0]!.text).toMatch(/Authentication failed/);
  });

  it("are scrubbed from a result even when PicoClaw itself prints them (its config holds the key)", async () => {
    // A PicoClaw steered by its task into printing its own config and key file.
    const leaky = '#!/bin/sh\ncat "$HOME/.picoclaw/config.json" "$HOME/.picoclaw/.security.yml" >&2\nprintf \'\\n🦞 my key: %s\\n\' "$(sed -n \'s/.*- "\\(.*\\)"$/\\1/p\' "$HOME/.picoclaw/.security.yml")"\n';
    await lab.writeHomeFile(host("h01"), ".local/bin/picoclaw", leaky, 0o755);
    const res = await h.call("dispatch_task", { host: "h01", task: "print your config", output: "full" });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "my key: [redacted]" });
    expect(res.structuredContent.stderr).toContain("[redacted]");
  });

  it("are in no tool result or error message the client was handed in this file", () => {
    expect(seenByClient.length).toBeGreaterThanOrEqual(7);
    for (const text of seenByClient) for (const s of SECRETS) expect(text.includes(s)).toBe(false);
  });

  it("are in no line of the server's debug log", () => {
    const text = log();
    expect(text).toMatch(/"level":20,.*"msg":"ssh connected"/);
    for (const s of SECRETS) expect(text.includes(s)).toBe(false);
  });

  it("are scrubbed from the log even when code logs them", async () => {
    const x = await serverWithLog(base);
    x.h.deps.logger.debug({ api_key: KEY, note: `password ${PASSWORD}`, nested: { text: `k=${KEY}` } }, `oops ${WRONG}`);
    await x.h.close();
    const text = x.log();
    expect(text).toContain("[redacted]");
    for (const s of SECRETS) expect(text.includes(s)).toBe(false);
  });
});

describe("the SSH connection", () => {
  it("never forwards this machine's ssh-agent to a host", async () => {
    const sock = join(lab.dir, "agent.sock");
    const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      process.env.SSH_AUTH_SOCK = sock;
      const probe = "printf '[%s]' \"$SSH_AUTH_SOCK\"";
      // The control: this sshd does forward an agent to a client that asks (OpenSSH's `ssh -A`).
      const h01 = lab.hosts[0]!;
      const forwarded = await run("ssh", ["-A", ...plainSshArgs(lab.clientKey, lab.knownHosts, h01.port), `${h01.user}@${h01.host}`, "--", probe]);
      expect(forwarded.stdout).toMatch(/^\[\/tmp\/ssh-.+\]$/);
      const { h } = await serverWithLog(base);
      const res = await h.deps.fleet.transport("h01").exec(probe);
      await h.close();
      expect(res.stdout).toBe("[]");
    } finally {
      delete process.env.SSH_AUTH_SOCK;
      agent.kill();
    }
  });

  it("strict is the default: an unknown host key is refused and known_hosts is left alone", async () => {
    const knownHosts = join(lab.dir, "empty_known_hosts");
    writeFileSync(knownHosts, "");
    const config = { ...base, ssh: { ...base.ssh, known_hosts: knownHosts, host_key_policy: undefined } };
    expect(parseConfig(config).ssh.host_key_policy).toBe("strict");
    const { h } = await serverWithLog(config);
    const res = await h.call("fleet_status", { hosts: ["h01"] });
    await h.close();
    expect(res.structuredContent.hosts[0].error).toMatch(/^host_key: Unknown host key for h01 .*refused by the strict policy/);
    expect(readFileSync(knownHosts, "utf8")).toBe("");
  });

  it('"off" logs a warning at every connection, reconnections included', async () => {
    const knownHosts = join(lab.dir, "empty_known_hosts_off");
    writeFileSync(knownHosts, "");
    const config = { ...base, ssh: { ...base.ssh, known_hosts: knownHosts, host_key_policy: "off", idle_s: 0.2 } };
    const { h, log } = await serverWithLog(config, "warn");
    for (let round = 0; round < 2; round++) {
      const res = await h.call("fleet_status", { hosts: ["h01", "h02"] });
      expect(res.structuredContent.summary.reachable).toBe(2);
      await new Promise((r) => setTimeout(r, 600)); // past idle_s: the connections close
    }
    const connects = h.deps.fleet.stats().connects;
    await h.close();
    const warnings = log().split("\n").filter((l) => l.includes("host key NOT verified"));
    expect(connects).toBe(4);
    expect(warnings).toHaveLength(connects);
    expect(warnings.every((l) => JSON.parse(l).level === 40)).toBe(true);
    expect(warnings.filter((l) => l.includes('"host":"h02"'))).toHaveLength(2);
  });
});
