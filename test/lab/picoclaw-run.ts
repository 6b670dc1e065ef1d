import { spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realPicoclaw } from "./real-picoclaw.js";

/** The real PicoClaw binary the tests run: $PICOCLAW_REAL_BIN, else the lab's cached v0.2.9 build. */
export function realPicoclawBin(): Promise<string> {
  return process.env.PICOCLAW_REAL_BIN ? Promise.resolve(process.env.PICOCLAW_REAL_BIN) : realPicoclaw("v0.2.9");
}

/** What one run of a `picoclaw` printed, and how it ended. */
export interface PicoclawRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin args…` with HOME=`home`, NO_COLOR and PATH only (plus `env`), stdin closed unless given. */
export function runPicoclaw(bin: string, home: string, args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<PicoclawRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: home, env: { PATH: process.env.PATH, HOME: home, NO_COLOR: "1", ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.stdin.on("error", () => {}); // EPIPE: it may exit before reading its input
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** A fresh HOME under the system temp directory. */
export function freshHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "picoclaw-home-"));
}

/** One model for `writeModelConfig`. */
export interface ModelEntry {
  /** PicoClaw's provider (protocol): `anthropic`, `anthropic-messages`, `openai`, `ollama`, `vllm`… */
  provider: string;
  /** The id sent to the API. */
  model: string;
  apiBase: string;
  /** Written to .security.yml; absent: a keyless entry. */
  key?: string;
  /** The entry's `model_name`, default "worker". */
  name?: string;
}

/**
 * Writes a v0.2.7+ (`"version": 3`) config.json holding just `entry` as the default model, and
 * its key in .security.yml, under `home`/.picoclaw. LLM retries are off (a refused key or model
 * is not retried with back-off).
 */
export async function writeModelConfig(home: string, entry: ModelEntry): Promise<void> {
  const dir = join(home, ".picoclaw");
  const name = entry.name ?? "worker";
  await mkdir(dir, { recursive: true });
  const config = {
    version: 3,
    agents: { defaults: { workspace: join(dir, "workspace"), model_name: name, max_llm_retries: 0 } },
    model_list: [{ model_name: name, provider: entry.provider, model: entry.model, api_base: entry.apiBase }],
  };
  await writeFile(join(dir, "config.json"), JSON.stringify(config, null, 2), { mode: 0o600 });
  const keys = entry.key === undefined ? " {}\n" : `\n    api_keys:\n      - "${entry.key}"\n`;
  await writeFile(join(dir, ".security.yml"), `model_list:\n  "${name}:0":${keys}`, { mode: 0o600 });
}
