import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { run } from "./run.js";

/** Where the silent host lives and how to take it down again. */
export interface SilentHost {
  host: string;
  port: number;
  /** The network namespace holding the address, when one could be made. */
  netns?: string;
  /** Synchronous (it also runs from the exit handler). */
  remove(): void;
}

/** Names and addresses the silent host of lab `prefix` uses: stable per prefix, so a stale one can be found. */
function silentNames(prefix: string): { netns: string; veth: string; peer: string; near: string; far: string; mac: string } {
  const hash = createHash("sha256").update(prefix).digest();
  const tag = hash.toString("hex").slice(0, 8);
  // A /30 in 198.18.0.0/16 (RFC 2544's benchmarking range): no real network uses it.
  const block = hash.readUInt16BE(4) & 0x3fff;
  const base = `198.18.${block >> 6}.${(block & 63) * 4}`.split(".").map(Number);
  const addr = (last: number): string => [...base.slice(0, 3), base[3]! + last].join(".");
  const mac = `02:${[...hash.subarray(6, 11)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
  return { netns: `pcl-${prefix}`, veth: `pcl${tag}`, peer: `pcl${tag}p`, near: addr(1), far: addr(2), mac };
}

/** Deletes the namespace (which takes its veth pair along); quiet when there is none. */
export function removeNetns(prefix: string): void {
  const names = silentNames(prefix);
  spawnSync("ip", ["netns", "del", names.netns], { stdio: "ignore" });
  spawnSync("ip", ["link", "del", names.veth], { stdio: "ignore" });
}

/**
 * An address that never answers: it sits in its own network namespace on a veth whose far end is down, so
 * the kernel drops every packet sent to it (no RST, no ICMP). A static neighbour entry keeps ARP from failing
 * fast. netem would do as well, but minimal kernels (this one) ship without sch_netem.
 */
async function netnsHost(prefix: string): Promise<SilentHost> {
  const n = silentNames(prefix);
  removeNetns(prefix);
  const batch = [
    `netns add ${n.netns}`,
    `link add ${n.veth} type veth peer name ${n.peer} address ${n.mac} netns ${n.netns}`,
    `address add ${n.near}/30 dev ${n.veth}`,
    `link set ${n.veth} up`,
    `neigh replace ${n.far} lladdr ${n.mac} dev ${n.veth} nud permanent`,
  ];
  const made = await run("ip", ["-batch", "-"], `${batch.join("\n")}\n`);
  const placed = made.code === 0 ? await run("ip", ["-n", n.netns, "address", "add", `${n.far}/30`, "dev", n.peer]) : made;
  if (placed.code !== 0) {
    removeNetns(prefix);
    throw new Error(placed.stderr.trim() || `ip exited with ${placed.code}`);
  }
  return { host: n.far, port: 22, netns: n.netns, remove: () => removeNetns(prefix) };
}

/** The fallback: a loopback listener that accepts connections and never says a word. */
async function muteListener(host: string): Promise<SilentHost> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: 0 }, resolve);
  });
  server.unref();
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    host,
    port,
    remove: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** The lab's silent host: a dropping netns when possible, else (with a note on stderr) a mute listener. */
export async function startSilentHost(prefix: string, fallbackHost: string): Promise<SilentHost> {
  try {
    return await netnsHost(prefix);
  } catch (error) {
    process.stderr.write(
      `sshd-lab: no network namespace for the silent host (${(error as Error).message}); ` +
        `using a loopback listener that accepts and never speaks, so TCP connects to it do complete\n`,
    );
    return muteListener(fallbackHost);
  }
}
