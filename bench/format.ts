import { median } from "./helpers.js";

/** A duration for a table: `850 ms`, `3.42 s`. */
export function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

/** The median of runs, formatted as a duration. */
export function med(values: number[]): string {
  return ms(median(values));
}

/** A ratio with two decimals: `0.48`. */
export function ratio(value: number): string {
  return value.toFixed(2);
}

/** The spread of runs, for the reader to judge the noise: `min-max`. */
export function spread(values: number[]): string {
  return `${ms(Math.min(...values))}-${ms(Math.max(...values))}`;
}

/** A markdown table. */
export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A verdict cell. */
export function verdict(met: boolean): string {
  return met ? "**met**" : "**not met**";
}

/** MiB converted to MB of 10^6 bytes, the unit of the target. */
export function mibToMb(mib: number): number {
  return (mib * 2 ** 20) / 1e6;
}

/** Below this share of all cores busy before and after a run, the machine counts as otherwise idle. */
export const IDLE_BUSY = 0.1;

/**
 * The load sentence of a section measured on a lab of its own: idle or not by the busy shares
 * before and after, then `load` (what follows "the 1-minute load average").
 */
export function loadNote(busyBefore: number, busyAfter: number, load: string, order: "alternating" | "rotating"): string {
  const busy = `${Math.round(busyBefore * 100)} % of the cores were busy in the 3 s before it and ${Math.round(busyAfter * 100)} % in the 3 s after; the 1-minute load average ${load}`;
  return busyBefore < IDLE_BUSY && busyAfter < IDLE_BUSY
    ? `Otherwise idle before and after: ${busy} (the load average counts the bench's own processes).`
    : `**The machine was NOT idle**: ${busy} (the load average counts the bench's own processes too; the busy shares before and after are other work). Every side ran under the same load, in ${order} order, so the ratios hold better than the absolute figures.`;
}

/** The correctness paragraph: the failed checks, or `passed` saying what every run was checked for. */
export function checksNote(failures: string[], passed: string): string {
  return failures.length ? `**Correctness checks FAILED:**\n\n${failures.map((x) => `- ${x}`).join("\n")}` : passed;
}
