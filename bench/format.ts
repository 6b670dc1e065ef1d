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
