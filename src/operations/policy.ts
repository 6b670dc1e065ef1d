import type { FleetConfig, HostConfig, PolicyTool } from "../config/schema.js";

/** A call that the config's `policy` refuses. Its message names the rule; nothing has run yet. */
export class PolicyError extends Error {
  override name = "PolicyError";
}

/** How a call chose its hosts, and what it does besides its own work. */
export interface PolicyScope {
  /**
   * true: the caller named these hosts (`host`, `hosts`, `tasks[].host`), so one refused host
   * refuses the whole call. false: they came from an implicit selection (every host, `labels`,
   * `host: "auto"`), which the policy narrows to the hosts it allows.
   */
  explicit: boolean;
  /** The call tears PicoClaw down afterwards (`teardown: true`): teardown's rules apply as well. */
  teardown?: boolean | undefined;
}

/** The rules a call answers to: its own tool's, and teardown's when it tears down after the task. */
function rulesFor(tool: PolicyTool, scope: PolicyScope): PolicyTool[] {
  return scope.teardown && tool !== "teardown" ? [tool, "teardown"] : [tool];
}

function permits(config: FleetConfig, rule: PolicyTool, host: HostConfig): boolean {
  const allowed = config.policy.allowed_labels[rule];
  return !allowed || host.labels.some((l) => allowed.includes(l));
}

/** `h01`, `h01 and h02`, `h01, h02, … and 7 more`: a host list short enough for one message. */
function nameList(hosts: readonly HostConfig[]): string {
  const names = hosts.map((h) => h.name);
  if (names.length === 1) return names[0]!;
  const shown = names.slice(0, 10);
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(", ")} and ${rest} more` : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

function refusal(tool: PolicyTool, rule: PolicyTool, labels: readonly string[], refused: readonly HostConfig[], none: boolean): PolicyError {
  const who = none
    ? `none of the selected hosts (${nameList(refused)}) carries one of them`
    : `${nameList(refused)} ${refused.length === 1 ? "has" : "have"} none of them`;
  const why = rule === tool ? "" : ` (${tool} with teardown: true tears down too)`;
  return new PolicyError(`policy.allowed_labels.${rule} allows hosts labelled [${labels.join(", ")}]; ${who}${why}. Refused before anything ran; fleet_status shows each host's labels`);
}

/**
 * Security: the one policy check, called by deploy, dispatch, fanout and teardown before any host is
 * touched, so the MCP tools and the CLI verbs obey it alike. A tool in `policy.disabled_tools` is
 * refused outright (also as another call's side effect: `teardown: true`, deploy-on-dispatch); under
 * `policy.allowed_labels[tool]` a host must carry at least one of the listed labels. Named hosts are
 * all-or-nothing; an implicit selection is narrowed to the allowed hosts, and refused when none is left.
 * Returns the hosts the call may touch; throws a PolicyError naming the rule otherwise.
 */
export function applyPolicy(config: FleetConfig, tool: PolicyTool, hosts: readonly HostConfig[], scope: PolicyScope): HostConfig[] {
  let allowed = [...hosts];
  for (const rule of rulesFor(tool, scope)) {
    if (config.policy.disabled_tools.includes(rule)) {
      const how = rule === tool ? tool : `${tool} with teardown: true`;
      throw new PolicyError(`policy.disabled_tools lists ${rule}, so ${how} is refused before anything ran${rule === tool ? "" : "; leave teardown out"}`);
    }
    const refused = allowed.filter((h) => !permits(config, rule, h));
    if (refused.length === 0) continue;
    if (scope.explicit || refused.length === allowed.length) {
      throw refusal(tool, rule, config.policy.allowed_labels[rule]!, refused, !scope.explicit);
    }
    allowed = allowed.filter((h) => permits(config, rule, h));
  }
  return allowed;
}

/**
 * For a dry run: the rule that would refuse each host, without throwing (`refused_by` absent: allowed).
 * Named hosts are all-or-nothing at run time, so one refused named host means the call is refused.
 */
export function policyVerdicts(config: FleetConfig, tool: PolicyTool, hosts: readonly HostConfig[], scope: PolicyScope): { host: HostConfig; refused_by?: string }[] {
  return hosts.map((host) => {
    for (const rule of rulesFor(tool, scope)) {
      if (config.policy.disabled_tools.includes(rule)) return { host, refused_by: `policy.disabled_tools lists ${rule}` };
      if (!permits(config, rule, host)) return { host, refused_by: `policy.allowed_labels.${rule} [${config.policy.allowed_labels[rule]!.join(", ")}]` };
    }
    return { host };
  });
}
