import { z } from "zod";
import { teardown } from "../../operations/teardown.js";
import { teardownText } from "../../results/tool-texts.js";
import { defineTool } from "../tool.js";
import { hostNames } from "./shared-schemas.js";

/** `teardown`: PicoClaw removed from hosts, each a row. */
export const teardownTool = defineTool({
  name: "teardown",
  title: "Tear PicoClaw down",
  description:
    "Remove PicoClaw from hosts: the binary, the launcher and the files holding the API key; with purge, also ~/.picoclaw (workspace, sessions) and the task directories. A host with nothing installed succeeds with nothing removed.",
  input: {
    hosts: hostNames.describe("Host names from the config"),
    purge: z.boolean().optional().describe("Also remove ~/.picoclaw and task directories (default false)"),
  },
  output: {
    results: z.array(z.object({ host: z.string(), status: z.enum(["succeeded", "failed", "unreachable"]), removed: z.array(z.string()), error: z.string().optional() })),
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  text: teardownText,
  run: (args, ctx) => teardown(ctx.deps, args.hosts, Boolean(args.purge), ctx.signal, (_row, done) => ctx.progress(done, args.hosts.length)),
});
