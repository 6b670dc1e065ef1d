import { createInterface } from "node:readline/promises";
import type { Deps } from "../deps.js";
import type { Confirm } from "../operations/confirm.js";
import type { Parsed } from "./verbs.js";

/**
 * Reads a whole-number option (`--timeout 30`) within bounds, with the validation message every
 * door uses: `Expected --timeout to be 1-86400, got 0`.
 */
export function intOption(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`Expected --${name} to be ${min}-${max}, got ${String(value)}`);
  return n;
}

/**
 * Ctrl-C cancels the work through an AbortSignal (remote tasks killed, unfinished deploys undone)
 * instead of leaving it running on the hosts; `what` says what the cancel is doing.
 */
export function interruptible(what: string): AbortController {
  const ac = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write(`\ncancelling: ${what}...\n`);
    ac.abort();
  });
  return ac;
}

/**
 * policy.confirm_above at a terminal: `--yes` answers for the person; a terminal asks them
 * (y/N); a pipe without `--yes` cannot ask, so a large call is refused, saying how to proceed.
 */
export function cliConfirm(p: { [option: string]: unknown }): Confirm | undefined {
  if (p.yes) return async () => "accept";
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim()) ? "accept" : "decline";
    } finally {
      rl.close();
    }
  };
}

/**
 * The host names a verb works on: the positional names, else `--hosts` / `--labels`. Unknown names
 * are refused before anything runs (Fleet.select throws).
 */
export function selectedHosts(deps: Deps, p: Parsed, usage: string): string[] {
  const names = p.args.length ? p.args : p.hostsList;
  if (!names?.length && !p.labelsList?.length) throw new Error(`Usage: picoclaw-fleet ${usage}`);
  return deps.fleet.select({ hosts: names, labels: p.labelsList }).map((h) => h.name);
}
