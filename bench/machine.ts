import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { runTimed } from "./helpers.js";

/** What the figures were measured on, for the head of BENCHMARKS.md. */
export interface MachineFacts {
  cpu: string;
  cores: number;
  mhz: string;
  memGiB: number;
  os: string;
  kernel: string;
  node: string;
  openssh: string;
  pssh: string;
}

function cpuinfo(key: string): string {
  const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith(key));
  return line?.split(":")[1]?.trim() ?? "unknown";
}

/** The machine from `os` and /proc/cpuinfo, and the versions of the programs the sides run. */
export async function machineFacts(): Promise<MachineFacts> {
  const osRelease = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1] ?? "unknown";
  const ssh = await runTimed("ssh", ["-V"]);
  const pssh = await runTimed("parallel-ssh", ["--version"]);
  return {
    cpu: cpuinfo("model name"),
    cores: cpus().length,
    mhz: cpuinfo("cpu MHz"),
    memGiB: Math.round(totalmem() / 2 ** 30),
    os: osRelease,
    kernel: release(),
    node: process.version,
    openssh: (ssh.stderr || ssh.stdout).trim(),
    pssh: (pssh.stdout || pssh.stderr).trim(),
  };
}
