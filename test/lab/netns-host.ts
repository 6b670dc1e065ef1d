import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { run } from "./run.js";

/** A lab host whose sshd runs in a network namespace of its own, behind a link the test controls. */
export interface NetnsHostSpec {
  /** Its name in the lab and the config: a lowercase letter, then up to 11 lowercase letters, digits or '-'. */
  name: string;
  /**
   * Milliseconds added to every round trip (half each way), and `lossPercent`: the chance that any one
   * packet, either way, is lost. Either one makes the link a user-space emulator (two TUN devices and
   * `link-emulator.py`), since this kernel has no sch_netem; without them the link is a plain veth pair.
   */
  latencyMs?: number;
  lossPercent?: number;
}

/** What the link counted: packets passed on, and packets lost (by the loss rate, or while down). */
export interface LinkStats {
  forwarded: number;
  dropped: number;
}

/** One namespace, its link to this machine, and how to cut it. */
export interface NetnsLink {
  netns: string;
  /** The host's address, inside the namespace (where its sshd listens, port 22). */
  far: string;
  /** This machine's end of the link. */
  near: string;
  kind: "veth" | "emulated";
  /**
   * Down: every packet on the link vanishes from then on, both ways, with no RST and no ICMP (the
   * namespace's end of the veth goes down; the emulator drops all), as when a cable or a radio link
   * between goes away. Up: packets pass again; open TCP connections resume if neither end gave up.
   */
  setLink(up: boolean): Promise<void>;
  /** The emulator's counters; undefined for a veth. */
  stats(): Promise<LinkStats | undefined>;
  /** Synchronous (it also runs from the exit handler). */
  remove(): void;
}

const EMULATOR = join(import.meta.dirname, "link-emulator.py");

/** Stable names per lab prefix and host, so that a stale namespace of a dead lab is found and replaced. */
function linkNames(prefix: string, name: string) {
  const hash = createHash("sha256").update(`${prefix}/${name}`).digest();
  const tag = hash.toString("hex").slice(0, 8);
  // A /30 in 198.19.0.0/16 (RFC 2544's benchmarking range; the silent host uses 198.18.0.0/16).
  const block = hash.readUInt16BE(4) & 0x3fff;
  const base = [198, 19, block >> 6, (block & 63) * 4];
  const addr = (last: number): string => [...base.slice(0, 3), base[3]! + last].join(".");
  const mac = `02:${[...hash.subarray(6, 11)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
  return { netns: `pcn-${prefix}-${name}`, nearDev: `pcn${tag}`, farDev: `pcn${tag}p`, near: addr(1), far: addr(2), mac };
}

function removeNames(n: ReturnType<typeof linkNames>): void {
  spawnSync("ip", ["netns", "del", n.netns], { stdio: "ignore" });
  spawnSync("ip", ["link", "del", n.nearDev], { stdio: "ignore" });
}

async function ipBatch(lines: string[], netns?: string): Promise<void> {
  const res = await run("ip", [...(netns ? ["-n", netns] : []), "-batch", "-"], `${lines.join("\n")}\n`);
  if (res.code !== 0) throw new Error(`ip -batch failed (${res.code}): ${res.stderr.trim()}`);
}

/** Validates a spec's name and numbers, so a typo fails at start with a clear message. */
export function checkNetnsSpec(spec: NetnsHostSpec): void {
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(spec.name)) throw new Error(`Expected a netns host name of a lowercase letter then up to 11 of [a-z0-9-], got ${JSON.stringify(spec.name)}`);
  if (/^h\d+$/.test(spec.name) || spec.name === "refusing" || spec.name === "silent") throw new Error(`netns host name ${spec.name} is taken by the lab's own hosts`);
  if (spec.latencyMs !== undefined && !(spec.latencyMs >= 0 && spec.latencyMs <= 10_000)) throw new Error(`Expected latencyMs 0-10000, got ${spec.latencyMs}`);
  if (spec.lossPercent !== undefined && !(spec.lossPercent >= 0 && spec.lossPercent <= 100)) throw new Error(`Expected lossPercent 0-100, got ${spec.lossPercent}`);
}

/** Makes the namespace and its link (a veth pair, or the emulator's two TUN devices); sshd is started by the caller. */
export async function startNetnsLink(prefix: string, spec: NetnsHostSpec): Promise<NetnsLink> {
  checkNetnsSpec(spec);
  const n = linkNames(prefix, spec.name);
  removeNames(n);
  const made = await run("ip", ["netns", "add", n.netns]);
  if (made.code !== 0) throw new Error(`ip netns add ${n.netns}: ${made.stderr.trim()}`);
  try {
    const emulated = spec.latencyMs !== undefined || spec.lossPercent !== undefined;
    return emulated ? await emulatedLink(n, spec) : await vethLink(n);
  } catch (error) {
    removeNames(n);
    throw error;
  }
}

async function vethLink(n: ReturnType<typeof linkNames>): Promise<NetnsLink> {
  await ipBatch([
    `link add ${n.nearDev} type veth peer name ${n.farDev} address ${n.mac} netns ${n.netns}`,
    `address add ${n.near}/30 dev ${n.nearDev}`,
    `link set ${n.nearDev} up`,
    // A static neighbour: with the far end down, packets are dropped on the wire rather than failing ARP fast.
    `neigh replace ${n.far} lladdr ${n.mac} dev ${n.nearDev} nud permanent`,
  ]);
  await ipBatch([`address add ${n.far}/30 dev ${n.farDev}`, `link set ${n.farDev} up`, "link set lo up"], n.netns);
  return {
    netns: n.netns,
    far: n.far,
    near: n.near,
    kind: "veth",
    setLink: (up) => ipBatch([`link set ${n.farDev} ${up ? "up" : "down"}`], n.netns),
    stats: async () => undefined,
    remove: () => removeNames(n),
  };
}

async function emulatedLink(n: ReturnType<typeof linkNames>, spec: NetnsHostSpec): Promise<NetnsLink> {
  const seed = createHash("sha256").update(n.netns).digest().readUInt32BE(0);
  const args = [EMULATOR, n.nearDev, n.farDev, n.netns, String(spec.latencyMs ?? 0), String(spec.lossPercent ?? 0), String(seed)];
  // Its stdin is a pipe from this process: when this process dies, the emulator sees EOF and exits.
  const child: ChildProcess = spawn("python3", args, { stdio: ["pipe", "pipe", "pipe"] });
  child.unref();
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const lines: Interface = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  lines.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else early.push(line);
  });
  const nextLine = (timeoutMs: number, what: string): Promise<string> =>
    new Promise((resolve, reject) => {
      if (early.length) return resolve(early.shift()!);
      const timer = setTimeout(() => reject(new Error(`link emulator: no ${what} within ${timeoutMs} ms; stderr: ${stderr.trim()}`)), timeoutMs);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`link emulator exited (${code}): ${stderr.trim()}`))),
  );
  exited.catch(() => undefined);
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  try {
    await Promise.race([nextLine(10_000, "ready"), exited]);
  } catch (error) {
    kill();
    throw error;
  }
  // Unreferenced pipes, so a forgotten lab never holds the test process open.
  for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
  await ipBatch([`address add ${n.near} peer ${n.far} dev ${n.nearDev}`, `link set ${n.nearDev} up`]);
  await ipBatch([`address add ${n.far} peer ${n.near} dev ${n.farDev}`, `link set ${n.farDev} up`, "link set lo up"], n.netns);
  const command = async (cmd: string, what: string): Promise<string> => {
    child.stdin!.write(`${cmd}\n`);
    return Promise.race([nextLine(5000, what), exited]);
  };
  return {
    netns: n.netns,
    far: n.far,
    near: n.near,
    kind: "emulated",
    setLink: async (up) => void (await command(up ? "up" : "down", "answer")),
    stats: async () => JSON.parse(await command("stats", "stats")) as LinkStats,
    remove: () => {
      kill();
      removeNames(n);
    },
  };
}
