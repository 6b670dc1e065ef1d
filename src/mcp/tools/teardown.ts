import { z } from "zod";
import { teardown } from "../../operations/teardown.js";
import { planTeardown } from "../../operations/plan-hosts.js";
import { planText } from "../../results/plan-text.js";
import { teardownText } from "../../results/tool-texts.js";
import { defineTool } from "../tool.js";
import { hostNames, planFlag, planSchema } from "./shared-schemas.js";

/** `teardown`: PicoClaw removed from hosts, each a row. */
export const teardownTool = defineTool({
  name: "teardown",
  title: "Tear PicoClaw down",
  description:
    "Remove PicoClaw from hosts: the binary, the launcher and the files holding the API key; with purge, also ~/.picoclaw (workspace, sessions) and the task directories. A purge never kills work silently: a host where tasks still run is refused (its row names them) unless force is true, which kills them first (they end cancelled). A host with nothing installed succeeds with nothing removed.",
  input: {
    hosts: hostNames.describe("Host names from the config"),
    purge: z.boolean().optional().describe("Also remove ~/.picoclaw and task directories (default false)"),
    force: z.boolean().optional().describe("With purge: kill the tasks still running on the host first instead of refusing (default false)"),
    plan: planFlag,
  },
  output: {
    results: z.array(z.object({ host: z.string(), status: z.enum(["succeeded", "failed", "unreachable", "skipped"]), removed: z.array(z.string()), cancelled: z.array(z.string()).optional(), error: z.string().optional() })),
    plan: planSchema,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  touchesHosts: true,
  text: (out) => (out.plan ? planText(out.plan) : teardownText(out)),
  run: (args, ctx) =>
    args.plan
      ? planTeardown(ctx.deps, args.hosts, Boolean(args.purge), ctx.signal)
      : teardown(ctx.deps, args.hosts, { purge: Boolean(args.purge), force: args.force }, { ...ctx, onHost: (_row, done) => ctx.progress(done, args.hosts.length) }),
});
