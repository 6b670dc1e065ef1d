import { CrushError } from "../crush/endpoint.js";
import { infer } from "../crush/infer.js";
import type { ChatResult } from "../crush/chat-stream.js";
import type { Deps } from "../deps.js";
import { paint } from "./table.js";

/** What the `infer` verb takes from the command line. */
export interface InferArgs {
  json: boolean;
  /** The prompt's words; none reads the prompt from a piped stdin. */
  args: string[];
  model?: string;
  /** Seconds, as --timeout gives them; default crush.timeout_s. */
  timeout?: string;
}

/**
 * `picoclaw-fleet infer "<prompt>"`: one chat completion on ClusterCrush, the same call as the
 * `crush_infer` tool. Tokens go to stdout as they arrive and a summary (speed, time to first
 * token) to stderr; `--json` prints the result object instead. Ctrl-C aborts the HTTP request
 * (a second one kills the process). Exit 130 when cancelled, 1 on any other failure.
 */
export async function inferCommand(deps: Deps, args: InferArgs): Promise<number> {
  const prompt = args.args.length ? args.args.join(" ") : process.stdin.isTTY ? "" : await readStdin();
  const timeout = args.timeout === undefined ? undefined : Number(args.timeout);
  if (!prompt.trim() || (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1))) {
    process.stderr.write(`infer: ${prompt.trim() ? `--timeout must be whole seconds, got "${args.timeout}"` : "no prompt given"}\nUsage: picoclaw-fleet infer "<prompt>" [--model m] [--timeout s] [--json]\n`);
    return 2;
  }
  const cancel = new AbortController();
  const onSigint = () => cancel.abort();
  process.once("SIGINT", onSigint);
  let last = "\n";
  try {
    const result = await infer(
      deps.config.crush,
      { prompt, ...(args.model ? { model: args.model } : {}), ...(timeout ? { timeout_s: timeout } : {}) },
      {
        signal: cancel.signal,
        onToken: (text) => {
          if (args.json) return;
          process.stdout.write(text);
          last = text;
        },
      },
    );
    if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      if (!last.endsWith("\n")) process.stdout.write("\n");
      process.stderr.write(`${paint(process.stderr).dim(summary(result))}\n`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof CrushError)) throw err;
    if (!last.endsWith("\n")) process.stdout.write("\n");
    process.stderr.write(`${err.message}\n`);
    return err.kind === "cancelled" ? 130 : 1;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

/** The stderr line after an answer: what answered, how much, how fast. */
export function summary(r: ChatResult): string {
  const finish = r.finish_reason && r.finish_reason !== "stop" ? `, stopped: ${r.finish_reason}` : "";
  return `${r.model}: ${r.usage.completion_tokens} tokens in ${(r.duration_ms / 1000).toFixed(2)} s, ${r.tokens_per_s} tokens/s, first token after ${r.time_to_first_token_ms} ms${finish}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
