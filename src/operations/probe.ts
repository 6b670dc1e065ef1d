/**
 * The one probe script `fleet_status` runs per host: every fact in one round trip, printed as
 * `key=value` lines. POSIX sh, no bashisms: it runs on whatever login shell a Pi has. Facts a host
 * cannot give (no /proc on a Mac, no thermal zone on a VM) are simply left out.
 */
export const PROBE_SCRIPT = [
  // Byte 5 of an ELF header is its byte order (1: little-endian): PicoClaw ships mipsle only.
  `M=$(uname -m); case $M in mips) [ "$(od -An -tu1 -j5 -N1 /bin/sh 2>/dev/null | tr -d ' ')" = 1 ] && M=mipsel ;; esac; echo "arch=$M"`,
  `P="$HOME/.local/bin/picoclaw"; [ -x "$P" ] || P="$(command -v picoclaw 2>/dev/null)"`,
  `if [ -n "$P" ] && [ -x "$P" ]; then echo "picoclaw_path=$P"; V=$( (command -v timeout >/dev/null && timeout 5 "$P" version || "$P" version) </dev/null 2>/dev/null | grep -a 'picoclaw' | tail -n 1); echo "picoclaw_version=$V"; fi`,
  `[ -r /proc/loadavg ] && read L1 _ < /proc/loadavg && echo "load1=$L1"`,
  `echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)"`,
  `[ -r /proc/meminfo ] && awk '/^MemAvailable:/ {print "mem_kb=" $2}' /proc/meminfo`,
  `df -Pk "$HOME" 2>/dev/null | awk 'NR==2 {print "disk_kb=" $4}'`,
  `T=/sys/class/thermal/thermal_zone0/temp; [ -r "$T" ] && echo "temp_milli=$(cat "$T")"`,
  `N=0; for d in "$HOME"/.picoclaw-fleet/tasks/t-*; do [ -d "$d" ] && [ ! -f "$d/exit" ] && N=$((N + 1)); done; echo "tasks=$N"`,
  `exit 0`,
].join("\n");

/** What the probe found, in the units the contract reports. */
export interface ProbeFacts {
  machine: string | null;
  picoclawPath: string | null;
  versionLine: string | null;
  load1: number | null;
  cpus: number | null;
  memAvailableMb: number | null;
  diskFreeMb: number | null;
  tempC: number | null;
  /** PicoClaw tasks of this tool running on the host now. */
  tasksRunning: number | null;
}

function num(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Reads the probe's `key=value` lines; unknown keys and junk lines (a noisy .bashrc) are ignored. */
export function parseProbe(stdout: string): ProbeFacts {
  const kv = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const memKb = num(kv.get("mem_kb"));
  const diskKb = num(kv.get("disk_kb"));
  const milli = num(kv.get("temp_milli"));
  return {
    machine: kv.get("arch") || null,
    picoclawPath: kv.get("picoclaw_path") || null,
    versionLine: kv.get("picoclaw_version") || null,
    load1: num(kv.get("load1")),
    cpus: num(kv.get("cpus")),
    memAvailableMb: memKb === null ? null : Math.round(memKb / 1024),
    diskFreeMb: diskKb === null ? null : Math.round(diskKb / 1024),
    tempC: milli === null ? null : Math.round(milli / 100) / 10,
    tasksRunning: num(kv.get("tasks")),
  };
}
