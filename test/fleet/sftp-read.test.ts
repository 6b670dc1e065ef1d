import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCapped, sftpOpen } from "../../src/fleet/sftp-read.js";
import { SshTransport, type HeldSession } from "../../src/fleet/ssh-transport.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";
import { depsFor } from "../helpers/mcp.js";

// The command lane reads a finished command's output over SFTP, capped as the task frame caps it
// (head and tail around what did not fit), in 32 KiB reads: sizes on each side of the cap and of
// one read, against a real sftp-server.
let lab: Lab;
let deps: ReturnType<typeof depsFor>;
let held: HeldSession;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
  deps = depsFor(JSON.parse(readFileSync(lab.writeConfig(), "utf8")));
  const transport = deps.fleet.transport(lab.hosts[0]!.name) as SshTransport;
  held = (await transport.holdSession("cat >/dev/null"))!;
}, 60_000);

afterAll(async () => {
  held?.release();
  await deps?.fleet.close();
  await lab?.stop();
});

/** Bytes that tell every position apart (a counter in each 4 bytes). */
function pattern(n: number): Buffer {
  const b = Buffer.alloc(Math.ceil(n / 4) * 4);
  for (let i = 0; i < b.length / 4; i++) b.writeUInt32BE(i, i * 4);
  return b.subarray(0, n);
}

describe("readCapped", () => {
  const cases: [string, number, number][] = [
    ["an empty file", 0, 4096],
    ["a short one", 7, 4096],
    ["exactly the cap", 4096, 4096],
    ["one byte past the cap", 4097, 4096],
    ["one read exactly, cap above it", 32 * 1024, 1024 * 1024],
    ["several reads, within the cap", 200_000, 1024 * 1024],
    ["several reads, past a cap above one read", 300_000, 100_000],
  ];
  it.each(cases)("reads %s (%i bytes, cap %i) as the frame would carry it", async (_, size, cap) => {
    const data = pattern(size);
    const name = `file-${size}-${cap}`;
    writeFileSync(join(lab.hosts[0]!.home, name), data);
    const handle = await sftpOpen(held.sftp, name);
    const got = await readCapped(held.sftp, handle, cap);
    held.sftp.close(handle, () => undefined);
    expect(got.size).toBe(size);
    if (size <= cap) {
      expect(got.tail).toBeUndefined();
      expect(got.head.equals(data)).toBe(true);
    } else {
      const half = Math.floor(cap / 2);
      expect(got.head.equals(data.subarray(0, half))).toBe(true);
      expect(got.tail!.equals(data.subarray(size - (cap - half)))).toBe(true);
    }
  });
});
