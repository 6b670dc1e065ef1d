import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { entriesFor, judgeKey, knownHostsName, parseKnownHosts } from "../../src/fleet/known-hosts.js";

const KEY_A = "AAAAC3NzaC1lZDI1NTE5AAAAIAAAA";
const KEY_B = "AAAAC3NzaC1lZDI1NTE5AAAAIBBBB";

function hashed(name: string): string {
  const salt = randomBytes(20);
  const hash = createHmac("sha1", salt).update(name).digest();
  return `|1|${salt.toString("base64")}|${hash.toString("base64")}`;
}

describe("known_hosts", () => {
  it("knownHostsName uses [host]:port off port 22", () => {
    expect(knownHostsName("pi", 22)).toBe("pi");
    expect(knownHostsName("127.0.0.1", 2222)).toBe("[127.0.0.1]:2222");
  });

  it("matches plain, comma lists, [host]:port, hashed and wildcard entries", () => {
    const text = [
      `# comment`,
      `pi,192.168.1.9 ssh-ed25519 ${KEY_A}`,
      `[127.0.0.1]:2222 ssh-ed25519 ${KEY_A}`,
      `${hashed("[10.0.0.5]:2200")} ssh-ed25519 ${KEY_A}`,
      `*.lab ssh-ed25519 ${KEY_A}`,
    ].join("\n");
    const entries = parseKnownHosts(text);
    for (const [host, port] of [["pi", 22], ["192.168.1.9", 22], ["127.0.0.1", 2222], ["10.0.0.5", 2200], ["n1.lab", 22]] as const) {
      expect(judgeKey(entriesFor(entries, host, port), "ssh-ed25519", KEY_A), `${host}:${port}`).toBe("known");
    }
    expect(entriesFor(entries, "127.0.0.1", 22)).toHaveLength(0);
  });

  it("tells unknown from changed, and honours @revoked", () => {
    const entries = parseKnownHosts(`pi ssh-ed25519 ${KEY_A}\n@revoked pi ssh-rsa ${KEY_B}`);
    const forPi = entriesFor(entries, "pi", 22);
    expect(judgeKey(forPi, "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAICCCC")).toBe("changed");
    expect(judgeKey(forPi, "ecdsa-sha2-nistp256", KEY_B)).toBe("revoked");
    expect(judgeKey(entriesFor(entries, "other", 22), "ssh-ed25519", KEY_A)).toBe("unknown");
  });
});
