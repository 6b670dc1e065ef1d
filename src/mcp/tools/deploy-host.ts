import { z } from "zod";
import { deployHost } from "../../operations/deploy.js";
import { planDeploy } from "../../operations/plan-hosts.js";
import { planText } from "../../results/plan-text.js";
import { deployText } from "../../results/tool-texts.js";
import { defineTool } from "../tool.js";
import { hostName, planFlag, planSchema } from "./shared-schemas.js";

/** `deploy_host`: PicoClaw installed (or upgraded) on one host from a verified release. */
export const deployHostTool = defineTool({
  name: "deploy_host",
  title: "Deploy PicoClaw",
  description:
    "Install or upgrade PicoClaw on one host: the release archive for the host's architecture is downloaded once (checksum verified), uploaded over SFTP, installed atomically to ~/.local/bin/picoclaw, onboarded, and given the API key in 0600 files. Deploying the version already there changes nothing (action unchanged) unless force is set.",
  input: {
    host: hostName,
    version: z.string().min(1).max(64).regex(/^(latest|v?\d+\.\d+\.\d+[\w.-]*)$/, "expected latest or a tag like v0.2.9").optional().describe('Release tag such as "v0.2.9", or "latest" (default: config release.version)'),
    force: z.boolean().optional().describe("Reinstall even when that version is already installed"),
    plan: planFlag,
  },
  output: {
    host: z.string(),
    version: z.string(),
    arch: z.string(),
    asset: z.string(),
    sha256: z.string(),
    path: z.string(),
    onboarded: z.boolean(),
    action: z.enum(["installed", "upgraded", "unchanged"]),
    duration_ms: z.number(),
    previous_version: z.string().optional().describe("The version this deploy replaced, when one was installed"),
    downgraded: z.literal(true).optional().describe('Set when an older version replaced a newer one (action stays "upgraded": "replaced by another version")'),
    warning: z.string().optional(),
    plan: planSchema,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  touchesHosts: true,
  text: (out) => (out.plan ? planText(out.plan) : deployText(out)),
  run: (args, ctx) => (args.plan ? planDeploy(ctx.deps, args, ctx.signal) : deployHost(ctx.deps, args, ctx)),
});
