import { homedir } from "node:os";
import SSHConfig from "ssh-config";
import { describe, expect, it } from "vitest";
import { hostSchema } from "../../src/config/schema.js";
import { parseAddress, resolveTarget } from "../../src/fleet/resolve-host.js";

const sshConfig = SSHConfig.parse(`
Host darth
  HostName 10.9.8.7
  User eric
  Port 2222
  IdentityFile ~/.ssh/darth_key
  ProxyJump bastion

Host bastion
  HostName 10.9.8.1
  User jump
`);

const host = (h: object) => hostSchema.parse(h);

describe("resolveTarget", () => {
  it("fills HostName, User, Port, IdentityFile and ProxyJump from ~/.ssh/config", () => {
    const t = resolveTarget(host({ name: "darth" }), sshConfig, () => undefined);
    expect(t).toMatchObject({ name: "darth", host: "10.9.8.7", user: "eric", port: 2222 });
    expect(t.keyFiles[0]).toBe(`${homedir()}/.ssh/darth_key`);
    expect(t.jump).toMatchObject({ name: "bastion", host: "10.9.8.1", user: "jump", port: 22 });
  });

  it("lets the fleet config win over ~/.ssh/config, as the command line does", () => {
    const t = resolveTarget(host({ name: "d", host: "darth", user: "root", port: 22, ssh_key: "/k", jump: "none" }), sshConfig, () => undefined);
    expect(t).toMatchObject({ host: "10.9.8.7", user: "root", port: 22 });
    expect(t.keyFiles).toEqual(["/k", `${homedir()}/.ssh/darth_key`]);
    expect(t.jump).toBeUndefined();
  });

  it("resolves a jump named in the config through its own entry, and refuses loops", () => {
    const hosts = new Map([
      ["a", host({ name: "a", host: "1.1.1.1", jump: "b" })],
      ["b", host({ name: "b", host: "2.2.2.2", jump: "a" })],
    ]);
    expect(() => resolveTarget(hosts.get("a")!, SSHConfig.parse(""), (n) => hosts.get(n))).toThrow(/Jump loop: a -> b -> a/);
  });

  it("parseAddress reads user@host:port and [v6]:port", () => {
    expect(parseAddress("pi@10.0.0.2:2200")).toEqual({ user: "pi", host: "10.0.0.2", port: 2200 });
    expect(parseAddress("[::1]:22")).toEqual({ host: "::1", port: 22 });
    expect(parseAddress("node7")).toEqual({ host: "node7" });
  });
});
