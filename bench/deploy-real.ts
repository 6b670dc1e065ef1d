import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { REAL_ARCHIVE, realArchive, realPicoclaw } from "../test/lab/real-picoclaw.js";
import { startReleaseServer } from "../test/lab/release-server.js";
import { startLab } from "../test/lab/sshd-lab.js";
import { busyShare, machineCpuMs, median, note, peakRssMib, processCpuMs, runTimed, since, spawnServer, type ServerProcess } from "./helpers.js";
import { labSshOptions } from "./setup.js";

/** The release every side installs: the real PicoClaw, the newest the lab builds. */
const VERSION = "v0.2.9";
const KEY_ENV = "PCF_BENCH_KEY";

/** One side of one run: wall time, how many hosts ended with a working PicoClaw, CPU spent. */
export interface DeploySample {
  ms: number;
  ok: number;
  /** CPU of the whole machine (every process, other users' too) while the side ran. */
  machineCpuMs: number;
  /** CPU of the deploying server process alone (deploy sides only). */
  serverCpuMs?: number;
}

/** Every run of the real-size deploy comparison. */
export interface DeployRealResult {
  /** When it started, and the share of all cores busy in the 3 s before the lab started and after it stopped. */
  date: string;
  busyBefore: number;
  busyAfter: number;
  totalS: number;
  cores: number;
  hosts: number;
  version: string;
  archiveBytes: number;
  binaryBytes: number;
  /** `deploy_host` on every host at once, on hosts without PicoClaw, from a server with an empty download cache. */
  cold: DeploySample[];
  /** The same calls again on the same server: every host already has that version. */
  unchanged: DeploySample[];
  /** parallel-scp of the archive, then parallel-ssh unpacking it and running `picoclaw version`. */
  pssh: DeploySample[];
  /** parallel-scp alone (the copy half of `pssh`). */
  psshCopy: number[];
  /** The unpack and test-run every host does, run on this machine for all hosts at once with no SSH. */
  bare: DeploySample[];
  /** Peak RSS (VmHWM) of the server process after the cold and the unchanged deploys, MiB. */
  rssMib: number[];
  /** The same server's VmHWM right after `initialize`, MiB. */
  idleRssMib: number[];
  /** Per run, the median over hosts of the milliseconds a cold deploy spent in each of its steps. */
  steps: Record<string, number>[];
  /** Load average (1 min) when each run ended. */
  load1: number[];
  failures: string[];
}

/** What every host must end with: the binary of the release in ~/.local/bin, executable. */
function installedScript(homes: string[], binary: string): string {
  return `n=0; for h in ${homes.join(" ")}; do [ -x "$h/.local/bin/picoclaw" ] && cmp -s "$h/.local/bin/picoclaw" ${binary} && n=$((n+1)); done; echo $n`;
}

/** Removes everything any side left in the hosts' homes, so the next side meets hosts without PicoClaw. */
function wipeScript(homes: string[]): string {
  return `for h in ${homes.join(" ")}; do rm -rf "$h/.local" "$h/.picoclaw" "$h/.picoclaw-fleet" "$h/.bench-bare" "$h/${REAL_ARCHIVE}"; done`;
}

/**
 * `deploy_host` on every host at once, with progress requested: deploy reports each step as it
 * starts (`h01: upload`), so a step lasts until the next one starts, the last until the call returns.
 * Returns how many hosts ended with `action` and the median over hosts of each step's milliseconds.
 */
async function deployAll(server: ServerProcess, names: string[], action: string): Promise<{ ok: number; steps: Record<string, number> }> {
  const perStep = new Map<string, number[]>();
  const results = await Promise.all(
    names.map(async (host) => {
      const marks: [string, number][] = [];
      const res = await server.call("deploy_host", { host }, (p) => marks.push([/^\S+: (\w+)/.exec(p.message ?? "")?.[1] ?? "?", performance.now()]));
      marks.push(["", performance.now()]);
      for (let i = 0; i + 1 < marks.length; i++) perStep.set(marks[i]![0], [...(perStep.get(marks[i]![0]) ?? []), marks[i + 1]![1] - marks[i]![1]]);
      return res;
    }),
  );
  const ok = results.filter((x) => x.structuredContent?.action === action && x.structuredContent?.version === VERSION.slice(1)).length;
  return { ok, steps: Object.fromEntries([...perStep].map(([step, ms]) => [step, median(ms)])) };
}

/** Times `fn` and the machine's CPU over it. */
async function timed(fn: () => Promise<number>): Promise<DeploySample> {
  const cpu = machineCpuMs();
  const start = performance.now();
  const ok = await fn();
  return { ms: since(start), ok, machineCpuMs: machineCpuMs() - cpu };
}

/**
 * Deploy at real size: `hosts` fresh lab hosts, the lab's release server with the real PicoClaw
 * `VERSION` archive, and per run, in alternating order: the built server's `deploy_host` on every
 * host at once (cold: no PicoClaw there, no archive in its download cache; then the same calls
 * again, `unchanged`), parallel-scp + parallel-ssh doing the same install by hand, and the remote
 * work alone with no SSH. Hosts are wiped between sides and every side is checked: the release's
 * binary byte for byte in ~/.local/bin on every host.
 */
export async function benchDeployReal(runs: number, hosts: number): Promise<DeployRealResult> {
  if (!(runs >= 1) || !(hosts >= 1)) throw new Error(`Expected runs and hosts to be at least 1, got ${runs} and ${hosts}`);
  const archivePath = await realArchive(VERSION);
  const binary = await realPicoclaw(VERSION);
  const date = new Date().toISOString();
  const t0 = performance.now();
  const busyBefore = await busyShare(3000, cpus().length);
  const lab = await startLab({ hosts, hostsPerSshd: 16 });
  const rel = await startReleaseServer({ versions: [VERSION], arches: ["amd64"], binaries: "real" });
  const [archiveBytes, binaryBytes] = [statSync(archivePath).size, statSync(binary).size];
  const r: DeployRealResult = {
    ...{ date, busyBefore, busyAfter: NaN, totalS: NaN, cores: cpus().length, hosts, version: VERSION, archiveBytes, binaryBytes },
    ...{ cold: [], unchanged: [], pssh: [], psshCopy: [], bare: [], rssMib: [], idleRssMib: [], steps: [], load1: [], failures: [] },
  };
  try {
    const homes = lab.hosts.map((h) => h.home);
    const names = lab.hosts.map((h) => h.name);
    const hostsFile = join(lab.dir, "pssh-hosts");
    writeFileSync(hostsFile, lab.hosts.map((h) => `${h.user}@${h.host}:${h.port}\n`).join(""));
    const check = async (side: string, run: number, sample: DeploySample) => {
      const good = Number((await lab.exec(installedScript(homes, binary))).stdout.trim());
      if (sample.ok !== hosts || good !== hosts) r.failures.push(`run ${run} ${side}: ${sample.ok} of ${hosts} hosts reported success, ${good} hold the ${VERSION} binary`);
      await lab.exec(wipeScript(homes));
    };
    const sides = {
      deploy: async (run: number) => {
        const config = lab.writeConfig({
          release: { api_url: rel.apiUrl, cache_dir: join(lab.dir, `release-cache-${run}`) },
          defaults: { provider: "anthropic", api_key_env: KEY_ENV },
          tasks: { journal: join(lab.dir, `journal-${run}.jsonl`) },
        });
        const server = await spawnServer(config, { [KEY_ENV]: "sk-ant-bench-0123456789abcdef" });
        try {
          r.idleRssMib.push(peakRssMib(server.pid));
          const all = async (action: string, samples: DeploySample[]) => {
            const cpu = processCpuMs(server.pid);
            const sample = await timed(async () => {
              const { ok, steps } = await deployAll(server, names, action);
              if (action === "installed") r.steps.push(steps);
              return ok;
            });
            samples.push({ ...sample, serverCpuMs: processCpuMs(server.pid) - cpu });
            return sample;
          };
          const cold = await all("installed", r.cold);
          const unchanged = await all("unchanged", r.unchanged);
          r.rssMib.push(peakRssMib(server.pid));
          await check("deploy_host unchanged", run, unchanged);
          if (cold.ok !== hosts) r.failures.push(`run ${run} deploy_host cold: ${cold.ok} of ${hosts} hosts installed ${VERSION}`);
        } finally {
          await server.close();
        }
      },
      pssh: async (run: number) => {
        const out = mkdtempSync(join(lab.dir, "pssh-"));
        const common = ["-p", "32", "-t", "300", "-h", hostsFile, ...labSshOptions(lab).flatMap((o) => ["-X", o])];
        const unpack = `mkdir -p ~/.local/bin && tar -xzf ~/${REAL_ARCHIVE} -C ~/.local/bin picoclaw && rm ~/${REAL_ARCHIVE} && ~/.local/bin/picoclaw version`;
        let copyMs = 0;
        const sample = await timed(async () => {
          const copy = await runTimed("parallel-scp", [...common, archivePath, REAL_ARCHIVE]);
          copyMs = copy.ms;
          if (copy.code !== 0) return 0;
          await runTimed("parallel-ssh", [...common, "-o", out, unpack]);
          return readdirSync(out).filter((f) => readFileSync(join(out, f), "utf8").includes(`picoclaw ${VERSION.slice(1)}`)).length;
        });
        rmSync(out, { recursive: true, force: true });
        r.pssh.push(sample);
        r.psshCopy.push(copyMs);
        await check("parallel-scp + parallel-ssh", run, sample);
      },
      bare: async (run: number) => {
        const one = `d="$1/.bench-bare"; mkdir -p "$d" && cp "$2" "$d/a.tar.gz" && tar -xzf "$d/a.tar.gz" -C "$d" picoclaw && rm "$d/a.tar.gz" && "$d/picoclaw" version`;
        const all = `for h in ${homes.join(" ")}; do sh -c '${one}' bare "$h" ${archivePath} & done; wait`;
        const sample = await timed(async () => {
          const res = await runTimed("bash", ["-c", all]);
          return res.stdout.split(`picoclaw ${VERSION.slice(1)}`).length - 1;
        });
        r.bare.push(sample);
        if (sample.ok !== hosts) r.failures.push(`run ${run} remote work alone: ${sample.ok} of ${hosts} unpacked binaries ran`);
        await lab.exec(wipeScript(homes));
      },
    };
    for (let run = 1; run <= runs; run++) {
      const order = run % 2 ? (["deploy", "pssh", "bare"] as const) : (["pssh", "bare", "deploy"] as const);
      for (const side of order) await sides[side](run);
      r.load1.push(loadavg()[0]!);
      const f = (xs: DeploySample[]) => Math.round(xs.at(-1)!.ms);
      note(`deploy of ${VERSION} to ${hosts} run ${run}/${runs}: deploy_host ${f(r.cold)} ms (unchanged ${f(r.unchanged)} ms), pssh ${f(r.pssh)} ms, bare ${f(r.bare)} ms`);
    }
  } finally {
    await rel.stop();
    await lab.stop();
  }
  r.busyAfter = await busyShare(3000, cpus().length);
  r.totalS = (performance.now() - t0) / 1000;
  return r;
}
