import { z } from "zod";
import { CrushError, endpointFromConfig } from "../../crush/endpoint.js";
import { listModels } from "../../crush/models.js";
import { crushModelsText } from "../../results/tool-texts.js";
import { defineTool, ToolError } from "../tool.js";

/** `crush_models`: which models ClusterCrush has, their sizes and which are loaded (CONTRACT.md). */
export const crushModelsTool = defineTool({
  name: "crush_models",
  title: "List ClusterCrush models",
  description:
    "Lists the models the appliance's inference server (crush.base_url) can run, with their size on disk and " +
    "whether each is loaded in memory now (a loaded model answers crush_infer without a load delay).",
  input: {},
  output: {
    models: z.array(
      z.object({
        id: z.string().describe("The id to pass as crush_infer's model"),
        size_bytes: z.number().int().optional().describe("Size on disk (Ollama only)"),
        loaded: z.boolean().describe("In memory now; servers without Ollama's API count every listed model as loaded"),
      }),
    ),
    source: z.enum(["ollama", "openai"]).describe("ollama: /api/tags and /api/ps; openai: /v1/models"),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  text: crushModelsText,
  async run(_args, ctx) {
    const crush = ctx.deps.config.crush;
    try {
      return await listModels(endpointFromConfig(crush), { signal: ctx.signal, timeoutMs: Math.min(crush.timeout_s, 30) * 1000 });
    } catch (err) {
      throw err instanceof CrushError ? new ToolError(err.message) : err;
    }
  },
});
