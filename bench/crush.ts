import { startOpenAiServer } from "../test/lab/openai-server.js";
import { note, since, spawnServer } from "./helpers.js";
import type { BenchLab } from "./setup.js";

/** How one stream was read: tokens per second from the first token to the end, and over the whole call. */
export interface StreamRun {
  tokensPerS: number;
  endToEndTokensPerS: number;
}

/** The runs of one pace: the stream read directly, through `crush_infer`, and through it with progress notifications. */
export interface CrushPace {
  msPerToken: number;
  tokens: number;
  direct: StreamRun[];
  tool: StreamRun[];
  toolProgress: StreamRun[];
}

const MODEL = "llama3.2:3b";

/** Reads the stream straight from the endpoint, as a client of the API would, counting content chunks. */
async function direct(url: string, prompt: string): Promise<StreamRun & { tokens: number }> {
  const start = performance.now();
  const res = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: prompt }], stream: true, stream_options: { include_usage: true } }),
  });
  let first: number | undefined;
  let tokens = 0;
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    const events = buffered.split("\n\n");
    buffered = events.pop()!;
    for (const event of events) {
      const data = event.replace(/^data: /, "");
      if (data === "[DONE]") continue;
      const content = (JSON.parse(data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content;
      if (!content) continue;
      first ??= performance.now();
      tokens++;
    }
  }
  const end = performance.now();
  return { tokens, tokensPerS: tokens / ((end - (first ?? start)) / 1000), endToEndTokensPerS: tokens / ((end - start) / 1000) };
}

/**
 * crush_infer against the lab's OpenAI-compatible stand-in, which streams one word per chunk at a
 * fixed pace: the same stream read directly and through the tool on the real server process.
 */
export async function benchCrush(bl: BenchLab, paces: number[], tokens: number, runs: number): Promise<CrushPace[]> {
  const reply = Array.from({ length: tokens }, (_, i) => `w${i}`).join(" ");
  const api = await startOpenAiServer({ reply });
  const server = await spawnServer(bl.lab.writeConfig({ crush: { base_url: api.url, model: MODEL } }), bl.env);
  const out: CrushPace[] = [];
  try {
    for (const msPerToken of paces) {
      api.set({ msPerToken });
      const pace: CrushPace = { msPerToken, tokens, direct: [], tool: [], toolProgress: [] };
      const viaTool = async (progress: boolean): Promise<StreamRun> => {
        const start = performance.now();
        const res = await server.call("crush_infer", { prompt: "count" }, progress ? () => undefined : undefined);
        const ms = since(start);
        const sc = res.structuredContent as { tokens_per_s: number; usage: { completion_tokens: number } };
        if (sc.usage.completion_tokens !== tokens) throw new Error(`crush_infer returned ${sc.usage.completion_tokens} tokens, expected ${tokens}`);
        return { tokensPerS: sc.tokens_per_s, endToEndTokensPerS: tokens / (ms / 1000) };
      };
      for (let run = 0; run < runs; run++) {
        const d = await direct(api.url, "count");
        if (d.tokens !== tokens) throw new Error(`direct read got ${d.tokens} tokens, expected ${tokens}`);
        pace.direct.push(d);
        pace.tool.push(await viaTool(false));
        pace.toolProgress.push(await viaTool(true));
      }
      out.push(pace);
      note(`crush_infer at ${msPerToken} ms/token: ${runs} runs of each side done`);
    }
  } finally {
    await server.close();
    await api.close();
  }
  return out;
}
