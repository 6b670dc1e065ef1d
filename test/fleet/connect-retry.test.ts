import { createServer, connect as tcpConnect, type Server } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../lab/sshd-lab.js";
import { depsFor } from "../helpers/mcp.js";

// sshd past MaxStartups turns a connection away before the SSH banner, for a moment only; like
// OpenSSH's ConnectionAttempts, such a refusal is retried. A loopback relay stands in for that sshd:
// it hangs up at once on the first `refuse` connections, then relays to a real lab sshd.

let lab: Lab;

/** A relay on 127.0.0.1:0 that drops the first `refuse` connections, then pipes to the lab host. */
async function relay(refuse: number): Promise<{ server: Server; port: number; seen: () => number }> {
  const target = lab.hosts[0]!;
  let seen = 0;
  const server = createServer((socket) => {
    seen++;
    if (seen <= refuse) return socket.destroy();
    const upstream = tcpConnect({ host: target.host, port: target.port });
    socket.pipe(upstream).pipe(socket);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port, seen: () => seen };
}

function configThrough(port: number): unknown {
  const config = JSON.parse(readFileSync(lab.writeConfig(), "utf8")) as { hosts: Record<string, unknown>[]; ssh: Record<string, unknown> };
  const knownHosts = join(lab.dir, `relay-${port}.known_hosts`);
  writeFileSync(knownHosts, "");
  config.hosts = [{ ...config.hosts[0], name: "busy", host: "127.0.0.1", port }];
  config.ssh = { ...config.ssh, known_hosts: knownHosts, host_key_policy: "accept-new" };
  return config;
}

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
});

afterAll(async () => {
  await lab?.stop();
});

describe("connectSsh retries a refusal before the handshake", () => {
  it("gets through when sshd turns the first two attempts away", async () => {
    const r = await relay(2);
    const deps = depsFor(configThrough(r.port));
    try {
      const res = await deps.fleet.transport("busy").exec("id -un");
      expect(res.failure).toBeUndefined();
      expect(res.stdout).toBe(`${lab.hosts[0]!.user}\n`);
      expect(r.seen()).toBe(3);
    } finally {
      await deps.fleet.close();
      r.server.close();
    }
  });

  it("gives up after four attempts with the MaxStartups explanation, in bounded time", async () => {
    const r = await relay(Number.POSITIVE_INFINITY);
    const deps = depsFor(configThrough(r.port));
    try {
      const started = Date.now();
      const res = await deps.fleet.transport("busy").exec("true");
      expect(res.failure?.kind).toBe("refused");
      expect(res.failure?.message).toMatch(/closed the connection before the SSH handshake.*MaxStartups/);
      expect(r.seen()).toBe(4);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await deps.fleet.close();
      r.server.close();
    }
  });

  it("does not retry a port where nothing listens: refused once, at once", async () => {
    const r = await relay(0);
    const port = r.port;
    await new Promise((done) => r.server.close(done));
    const deps = depsFor(configThrough(port));
    try {
      const started = Date.now();
      const res = await deps.fleet.transport("busy").exec("true");
      expect(res.failure?.kind).toBe("refused");
      expect(res.failure?.message).toMatch(/^Connection refused by busy/);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await deps.fleet.close();
    }
  });
});
