import type { Deps } from "../deps.js";
import { foldHosts } from "../results/node-set.js";
import { PolicyError } from "./policy.js";

/** The person's answer to a question the server asked through the client (MCP elicitation). */
export type Answer = "accept" | "decline" | "cancel";

/** Asks the person a yes/no question; absent when the door cannot ask (a client without elicitation). */
export type Confirm = (question: string) => Promise<Answer>;

/** `policy.confirm_above` for a call over `hosts`: the question it would ask, or undefined when it would not ask. */
export function confirmQuestion(deps: Deps, tool: string, hosts: readonly string[]): string | undefined {
  const limit = deps.config.policy.confirm_above;
  if (limit === undefined || hosts.length <= limit) return undefined;
  return `${tool} would touch ${hosts.length} hosts (${foldHosts(hosts)}), more than policy.confirm_above (${limit})`;
}

/**
 * Security: a destructive call over more hosts than `policy.confirm_above` goes ahead only when the
 * person says yes, asked before any host is touched. A door that cannot ask gets a refusal naming
 * the rule and how to proceed. Off unless configured.
 */
export async function confirmLarge(deps: Deps, tool: string, hosts: readonly string[], confirm: Confirm | undefined): Promise<void> {
  const question = confirmQuestion(deps, tool, hosts);
  if (!question) return;
  const limit = deps.config.policy.confirm_above!;
  if (!confirm) {
    throw new PolicyError(
      `${question}, and this client cannot ask the person to confirm (it did not declare the MCP elicitation capability). Refused before anything ran: select at most ${limit} hosts per call (hosts, labels or tasks), or raise policy.confirm_above in ${deps.configPath}`,
    );
  }
  const answer = await confirm(`${question}. Run it on all of them?`);
  if (answer !== "accept") throw new PolicyError(`${question}; the person answered ${answer}, so nothing ran`);
}
