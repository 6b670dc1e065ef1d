import { existsSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { Client } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab, type LabHost } from "./sshd-lab.js";

/** How a TCP connect ends: `connected`, an error code, or `pending` when nothing happened within `ms`. */
function tcpOutcome(host: string, port: number, ms: number): Promise<{ outcome: string; elapsed: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (outcome: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, elapsed: Date.now() - started });
    };
    const timer = setTimeout(() => finish("pending"), ms);
    socket.once("connect", () => finish("connected"));
    socket.once("error", (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}

/** The first bytes a server sends within `ms`, or "" when it says nothing. */
function firstBytes(host: string, port: number, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => done(""), ms);
    const done = (text: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    socket.once("data", (chunk: Buffer) => done(chunk.toString()));
    socket.once("error", () => done(""));
  });
}

function passwordExec(host: LabHost, password: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on("ready", () => {
        client.exec(command, (error, stream) => {
          if (error) return reject(error);
          let out = "";
          stream.on("data", (chunk: Buffer) => (out += chunk.toString()));
          stream.stderr.on("data", () => undefined);
          stream.on("close", () => {
            client.end();
            resolve(out);
          });
        });
      })
      .on("error", reject)
      .connect({ host: host.host, port: host.port, username: host.user, password, tryKeyboard: false });
  });
}

describe("startLab with 3 hosts, a refusing and a silent host", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hosts: 3, refusing: true, silent: true });
  });
  afterAll(() => lab?.stop());

  it("hosts: names h01.., labels lab + odd/even, distinct users", () => {
    expect(lab.hosts.map((h) => h.name)).toEqual(["h01", "h02", "h03"]);
    expect(lab.hosts.map((h) => h.labels)).toEqual([["lab", "odd"], ["lab", "even"], ["lab", "odd"]]);
    expect(new Set(lab.hosts.map((h) => h.user)).size).toBe(3);
    expect(lab.refusing?.name).toBe("refusing");
    expect(lab.silent?.name).toBe("silent");
    expect(statSync(lab.clientKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(lab.knownHosts, "utf8").trim().split("\n")).toHaveLength(3);
  });

  it("ssh: each host answers id -un with its own user, in its own home", async () => {
    for (const host of lab.hosts) {
      const result = await lab.ssh(host, 'id -un; echo "$HOME"; command -v bash tar sh sleep python3 | wc -l');
      expect(result).toMatchObject({ code: 0, stdout: `${host.user}\n${host.home}\n5\n` });
    }
  });

  it("refusing: a connect is refused at once", async () => {
    const { outcome, elapsed } = await tcpOutcome(lab.refusing!.host, lab.refusing!.port, 3000);
    expect(outcome).toBe("ECONNREFUSED");
    expect(elapsed).toBeLessThan(1000);
  });

  it("silent: a TCP connect does not complete within 1.5 s (or, on the fallback, nothing is said)", async () => {
    const silent = lab.silent!;
    if (silent.host.startsWith("127.")) {
      expect(await firstBytes(silent.host, silent.port, 1500)).toBe("");
    } else {
      expect((await tcpOutcome(silent.host, silent.port, 1500)).outcome).toBe("pending");
    }
  });

  it("writeHomeFile: the file belongs to the user, with the mode asked for", async () => {
    const host = lab.hosts[0]!;
    await lab.writeHomeFile(host, "deep/dir/note.txt", "hello\n", 0o640);
    const result = await lab.ssh(host, "cat deep/dir/note.txt; stat -c '%U %a' deep deep/dir/note.txt");
    expect(result.stdout).toBe(`hello\n${host.user} 755\n${host.user} 640\n`);
    await expect(lab.writeHomeFile(host, "../escape", "x", 0o600)).rejects.toThrow(/inside the home/);
  });

  it("exec and processes: a background command of a host user is seen, and only for that user", async () => {
    const [h1, h2] = [lab.hosts[0]!, lab.hosts[1]!];
    await lab.ssh(h1, "setsid sleep 600 </dev/null >/dev/null 2>&1 &");
    // The ssh call returns as soon as the shell backgrounds it: sleep may not have been exec'd yet.
    await expect.poll(async () => (await lab.processes(h1)).some((p) => p.cmd === "sleep 600")).toBe(true);
    expect((await lab.processes(h2)).some((p) => p.cmd === "sleep 600")).toBe(false);
    expect((await lab.exec(`pgrep -u ${h1.user} -x sleep`)).code).toBe(0);
  });

  it("killSshd drops that host alone, startSshd brings it back on the same port", async () => {
    const [h1, h2] = [lab.hosts[0]!, lab.hosts[1]!];
    const port = h1.port;
    await lab.killSshd(h1);
    expect((await tcpOutcome(h1.host, h1.port, 2000)).outcome).toBe("ECONNREFUSED");
    expect((await lab.ssh(h2, "true")).code).toBe(0);
    await lab.startSshd(h1);
    expect(h1.port).toBe(port);
    expect((await lab.ssh(h1, "id -un")).stdout).toBe(`${h1.user}\n`);
  });

  it("killSshd drops open connections but leaves the user's commands running", async () => {
    const host = lab.hosts[1]!;
    const session = lab.ssh(host, "sleep 30; echo finished");
    await expect.poll(async () => (await lab.processes(host)).some((p) => p.cmd === "sleep 30")).toBe(true);
    await lab.killSshd(host);
    expect((await session).code).toBe(255);
    expect((await lab.processes(host)).some((p) => p.cmd === "sleep 30")).toBe(true);
    await lab.startSshd(host);
  });

  it("rotateHostKey makes plain ssh with the lab known_hosts fail", async () => {
    const host = lab.hosts[2]!;
    await lab.rotateHostKey(host);
    const result = await lab.ssh(host, "true");
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  it("writeConfig lists every host with the lab key and known_hosts, overrides deep-merged", () => {
    const config = JSON.parse(readFileSync(lab.writeConfig({ ssh: { connect_timeout_s: 1 }, defaults: { concurrency: 4 } }), "utf8"));
    expect(config.hosts.map((h: { name: string }) => h.name)).toEqual(["h01", "h02", "h03", "refusing", "silent"]);
    expect(config.hosts[0]).toMatchObject({ host: lab.hosts[0]!.host, port: lab.hosts[0]!.port, ssh_key: lab.clientKey });
    expect(config.ssh).toMatchObject({ known_hosts: lab.knownHosts, connect_timeout_s: 1 });
    expect(existsSync(config.ssh.config_file)).toBe(false);
    expect(config.tasks.journal.startsWith(lab.dir)).toBe(true);
    expect(config.defaults.concurrency).toBe(4);
    expect(lab.writeConfig()).not.toBe(lab.writeConfig());
  });

  it("stop leaves no process of the lab users, no sshd, no netns, no dir", async () => {
    await lab.ssh(lab.hosts[1]!, "nohup sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &");
    const netns = lab.silent!.host.startsWith("127.") ? undefined : (await lab.exec("ip netns list")).stdout;
    await lab.stop();
    for (const host of lab.hosts) expect(await lab.processes(host)).toEqual([]);
    expect((await lab.exec(`pgrep -f -- '-f ${lab.dir}/'`)).code).toBe(1);
    expect(existsSync(lab.dir)).toBe(false);
    if (netns !== undefined) expect((await lab.exec("ip netns list")).stdout.length).toBeLessThan(netns.length);
  });
});

describe("startLab with hostsPerSshd: one sshd serves several addresses and users", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ hosts: 5, hostsPerSshd: 3, password: "lab-secret", sshdOptions: ["MaxStartups 20:30:60"] });
  });
  afterAll(() => lab?.stop());

  it("two sshds: hosts of one share its port, each host has its own address and user", async () => {
    const ports = lab.hosts.map((h) => h.port);
    expect(new Set(ports.slice(0, 3)).size).toBe(1);
    expect(new Set(ports.slice(3)).size).toBe(1);
    expect(ports[0]).not.toBe(ports[3]);
    expect(new Set(lab.hosts.map((h) => h.host)).size).toBe(5);
    for (const host of lab.hosts) expect((await lab.ssh(host, "id -un")).stdout).toBe(`${host.user}\n`);
  });

  it("password: every user also logs in with the lab password", async () => {
    expect(await passwordExec(lab.hosts[4]!, "lab-secret", "id -un")).toBe(`${lab.hosts[4]!.user}\n`);
    await expect(passwordExec(lab.hosts[4]!, "wrong", "id -un")).rejects.toThrow(/authentication/i);
  });

  it("killSshd takes down every host of that sshd and no other", async () => {
    await lab.killSshd(lab.hosts[0]!);
    const codes = await Promise.all(lab.hosts.map(async (h) => (await lab.ssh(h, "true")).code));
    expect(codes).toEqual([255, 255, 255, 0, 0]);
    await lab.startSshd(lab.hosts[1]!);
    expect((await lab.ssh(lab.hosts[2]!, "id -un")).stdout).toBe(`${lab.hosts[2]!.user}\n`);
  });
});
