import type { DeployRealResult, DeploySample } from "./deploy-real.js";
import { checksNote, loadNote, med, mibToMb, ms, ratio, spread, table } from "./format.js";
import { median } from "./helpers.js";
import type { Section } from "./report.js";

const wall = (xs: DeploySample[]) => median(xs.map((x) => x.ms));
const walls = (xs: DeploySample[]) => xs.map((x) => x.ms);
const cpu = (xs: DeploySample[]) => ms(median(xs.map((x) => x.machineCpuMs)));

/** What each step of a cold deploy does, as deploy reports its steps (`verify` is left out: it ends as it starts). */
const STEP_WORK: Record<string, string> = {
  resolve: "connect (SSH handshake), probe the host (`uname`, installed version), ask the release API, read the config schema",
  download: "wait for the archive: downloaded once for all hosts into the server's cache, sha256 checked",
  upload: "SFTP upload of the archive to a staging file (temporary name, mode 0600)",
  install: "unpack it (`tar -xzf`) into a temporary directory beside ~/.local/bin and run `picoclaw version` there",
  onboard: "rename into place, `picoclaw onboard` (fresh host), `picoclaw version`, read the config back; write config.json and .security.yml (0600) over SFTP",
};

/** The real-size deploy: deploy_host cold and unchanged against parallel-scp + parallel-ssh, the floor, the steps, memory. */
export function deploySection(d: DeployRealResult): Section {
  const pssh = wall(d.pssh);
  const [cold, unchanged, bare] = [wall(d.cold), wall(d.unchanged), wall(d.bare)];
  const copy = median(d.psshCopy);
  const rows = [
    ["parallel-scp -p 32 of the archive, then parallel-ssh -p 32 to unpack and run it", med(walls(d.pssh)), spread(walls(d.pssh)), "1.00", cpu(d.pssh)],
    ["of which parallel-scp alone", ms(copy), spread(d.psshCopy), ratio(copy / pssh), ""],
    ["`deploy_host` on every host at once, cold (no PicoClaw there, empty download cache)", med(walls(d.cold)), spread(walls(d.cold)), ratio(cold / pssh), cpu(d.cold)],
    ["`deploy_host` again on every host, `unchanged` (same server)", med(walls(d.unchanged)), spread(walls(d.unchanged)), ratio(unchanged / pssh), cpu(d.unchanged)],
    ["remote work alone, no SSH: `cp`, `tar -xzf`, `picoclaw version` for every host at once", med(walls(d.bare)), spread(walls(d.bare)), ratio(bare / pssh), cpu(d.bare)],
  ];
  const stepNames = Object.keys(STEP_WORK).filter((s) => d.steps.some((run) => s in run));
  const stepMs = (s: string) => median(d.steps.map((run) => run[s] ?? 0));
  const steps = table(
    ["step", "median per host", "what it is"],
    stepNames.map((s) => [s, ms(stepMs(s)), STEP_WORK[s]!]),
  );
  const idle = mibToMb(median(d.idleRssMib));
  const peak = mibToMb(Math.max(...d.rssMib));
  const serverCpu = median(d.cold.map((x) => x.serverCpuMs ?? 0));
  const load = d.load1.map((l) => l.toFixed(1)).join(", ");
  const quiet = loadNote(d.busyBefore, d.busyAfter, `at the end of each run: ${load}`, "alternating");
  const checks = checksNote(
    d.failures,
    `Correctness, every side of every run: each host's \`~/.local/bin/picoclaw\` was the release's binary, byte for byte, and executable; every cold \`deploy_host\` returned \`installed\` and every second one \`unchanged\`, both with version ${d.version.slice(1)}; every pssh host printed \`picoclaw ${d.version.slice(1)}\`.`,
  );
  const text = `## Deploy at real size: the real PicoClaw ${d.version} to ${d.hosts} hosts (issue 11)

Measured on ${d.date.slice(0, 16).replace("T", " ")} UTC in ${(d.totalS / 60).toFixed(1)} minutes, median of ${d.cold.length} runs (min-max in brackets). ${quiet}

${d.hosts} fresh lab hosts (16 per sshd), and the lab's release server with the real PicoClaw ${d.version} for
linux/amd64 in GoReleaser's layout: a ${(d.archiveBytes / 1e6).toFixed(1)} MB tar.gz holding the ${(d.binaryBytes / 1e6).toFixed(1)} MB binary. Each run, in
alternating order, with every host's PicoClaw, config and leftovers removed between sides (so every
side meets hosts without PicoClaw):

- **deploy_host**: the built server as mcp.json starts it (spawned and initialized before the clock
  starts, a fresh download cache), ${d.hosts} \`deploy_host\` calls at once over stdio, as a client calls
  the tool once per host; then the same ${d.hosts} calls again, which find the version installed.
- **parallel-scp + parallel-ssh**: Debian's pssh, 32 at a time: \`parallel-scp\` of the archive (already
  on this machine) into each home, then \`parallel-ssh\` running
  \`mkdir -p ~/.local/bin && tar -xzf ~/<archive> -C ~/.local/bin picoclaw && rm ~/<archive> && ~/.local/bin/picoclaw version\`.
- **Remote work alone**: the same unpack and test run for every host at once on this machine, no SSH:
  the floor of any tool that ships this archive here.

${table(["side", "median", "runs", "ratio to pssh", "machine CPU (every process)"], rows)}

${checks}

Where a cold deploy's time goes, from the progress deploy reports per step (a step lasts until the
next one starts; ${d.hosts} hosts at once, so the steps of different hosts overlap):

${steps}

Both sides end with a working \`picoclaw\` in ~/.local/bin on every host. Deploy does more on the way:
it checks the archive's sha256 against the release's checksum, unpacks and test-runs the binary aside
before anything live changes, renames it into place atomically (a running task never sees half a
binary), onboards PicoClaw on a fresh host, writes its config and API key into 0600 files over SFTP,
removes what it staged when it fails or is cancelled, and on an already installed host changes nothing
(\`unchanged\`: one probe per host, ${ms(unchanged)} for all ${d.hosts}).

What bounds these figures: every "host" shares this machine's ${d.cores} cores, and the largest part is the
unpack, not the network. \`tar -xzf\` inflates ${(d.binaryBytes / 1e6).toFixed(0)} MB per host (about 0.2 s of CPU each, measured by
hand), so ${d.hosts} hosts need ${ms(bare)} on their own (the remote work alone): ${ratio(bare / cold)} of a cold deploy, whose
\`install\` step (${ms(stepMs("install"))} a host, ${d.hosts} at once) is that same unpack. What deploy adds above the floor
is ${ms(cold - bare)}, against ${ms(pssh - bare)} for parallel-scp + parallel-ssh (${ratio((cold - bare) / (pssh - bare))} of it): ${d.hosts} SSH handshakes and probes (\`resolve\`), ${((d.hosts * d.archiveBytes) / 1e6).toFixed(0)} MB through AES-128-GCM
(ssh2 negotiates it; Node's OpenSSL on one side, sshd and \`sftp-server\` on the other: \`upload\`), and
onboard and the config writes. The server process itself used ${ms(serverCpu)} of CPU for a cold deploy.
parallel-ssh pays ${d.hosts * 2} SSH connections (a process, a key exchange and a login each, for the copy and
again for the unpack) and OpenSSH's default chacha20-poly1305; its copy alone (${ms(copy)}) takes longer
than deploy's resolve and upload together. On a real fleet the unpack runs on each host's own CPU at
once and the archive crosses a real network: there the orchestrator's uplink bounds both sides alike
(${((d.hosts * d.archiveBytes * 8) / 1e9).toFixed(1)} Gbit for ${d.hosts} hosts, about ${((d.hosts * d.archiveBytes * 8) / 1e9).toFixed(0)} s on gigabit Ethernet), and pssh still pays its handshakes twice.

SFTP chunking does not bound the upload here: ssh2's \`fastPut\` of the archive to the same ${d.hosts} hosts at
once took 0.6-1.0 s (250-400 MB/s, CPU-bound) with its defaults (32 KiB chunks, 64 in flight), and the
same within the noise with 32 KiB x 16, 128 KiB x 16 or 255 KiB x 8 (measured by hand with ssh2 alone,
three rounds each, while other work ran on the machine).

| peak RSS of the server process (VmHWM, 1 MB = 10^6 bytes) | |
| --- | --- |
| right after \`initialize\` | ${idle.toFixed(0)} MB |
| after ${d.hosts} cold deploys at once and ${d.hosts} \`unchanged\` ones (worst run) | ${peak.toFixed(0)} MB |

${d.hosts} deploys at once add ${(peak - idle).toFixed(0)} MB, ${(((peak - idle) * 1000) / d.hosts).toFixed(0)} kB a host: mostly SFTP writes in flight (\`fastPut\`'s
defaults keep 2 MiB a host in flight) and the SSH channel's buffers. Measured by hand with ssh2 alone
(${d.hosts} \`fastPut\` at once, same hosts and archive): the defaults raised the process's peak by 115 MiB,
\`concurrency: 16\` (512 KiB in flight) by 65 MiB, at the same speed. Passing it in \`src/fleet/sftp.ts\`
would save about 2.5 MB a host, 80 MB at the default concurrency of 32, and still fill a 1 Gbit/s link
up to about 4 ms of round trip.
`;
  return { text, targets: [] };
}
