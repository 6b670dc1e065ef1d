import type { Plan } from "../operations/plan.js";
import { bucket } from "./group.js";
import { oneLine } from "./host-text.js";

/**
 * A dry run as a model reads it: one summary line, then hosts grouped by what would happen to
 * them (folded, `h[01-20]`), the release a deploy would take, the batches, the failure budget, and
 * the confirmation the person would be asked for. Nothing in it ran.
 */
export function planText(plan: Plan): string {
  const count = (a: string) => plan.hosts.filter((h) => h.action === a).length;
  const lines = [`plan ${plan.tool} (nothing was run): ${plan.hosts.length} host${plan.hosts.length === 1 ? "" : "s"} selected by ${plan.selected_by}; ${count("refused")} refused, ${count("unreachable")} unreachable`];
  if (plan.refused) lines.push(`the call would be ${plan.refused}; nothing would run`);
  const key = (h: Plan["hosts"][number]) => JSON.stringify([h.action, h.refused_by ?? "", h.action === "unreachable" ? oneLine(h.error ?? "", 120) : h.picoclaw ?? ""]);
  for (const b of bucket(plan.hosts, (h) => h.host, key)) {
    const h = b.items[0]!;
    const detail = h.refused_by ? ` by ${h.refused_by}` : h.action === "unreachable" ? `: ${oneLine(h.error ?? "no answer", 120)}` : h.picoclaw ? ` (PicoClaw now: ${h.picoclaw})` : "";
    lines.push(`${h.action} ${b.hosts_compact} (${b.items.length})${detail}`);
  }
  if (plan.release) {
    lines.push(plan.release.error ? `release: cannot resolve it: ${oneLine(plan.release.error)}` : `release: PicoClaw ${plan.release.version} (${Object.entries(plan.release.assets ?? {}).map(([arch, asset]) => `${arch} ${asset}`).join(", ")})`);
  }
  if (plan.batches && plan.batches.length > 1) {
    lines.push(`batches (${plan.batches.length}, one after another): ${plan.batches.map((b, i) => (i === 0 && plan.canary ? `canary ${b}` : b)).join(" | ")}`);
  }
  if (plan.max_failures !== undefined && plan.max_failures !== null) lines.push(`failure budget: after more than ${plan.max_failures} failed, timed-out or unreachable hosts no further batch starts`);
  if (plan.confirm) lines.push(`confirmation: ${plan.confirm}: the person would be asked first (policy.confirm_above)`);
  lines.push("Run it: the same call without plan.");
  return lines.join("\n");
}
