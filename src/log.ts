import { hostname } from "node:os";
import { pino, type Logger } from "pino";

export type { Logger };

/** Field paths whose values are never written, wherever they appear in a log object. */
const REDACT_PATHS = [
  "api_key", "apiKey", "password", "passphrase", "privateKey", "secret", "token", "authorization",
  "*.api_key", "*.apiKey", "*.password", "*.passphrase", "*.privateKey", "*.secret", "*.token", "*.authorization",
  "headers.authorization", "*.headers.authorization",
];

/**
 * The one logger: JSON lines on stderr (fd 2), because stdout belongs to the MCP protocol.
 * `secrets` are values (API keys, passwords) scrubbed from every message, not just known fields.
 */
export function createLogger(options: { level?: string; secrets?: () => string[]; destination?: number } = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  return pino(
    {
      level: options.level ?? process.env.PICOCLAW_FLEET_LOG ?? "info",
      // pino reads these once, when its module loads: in the start-up snapshot that is the build's process.
      base: { pid: process.pid, hostname: hostname() },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      hooks: {
        streamWrite(line) {
          return scrubSecrets(line, secrets());
        },
      },
    },
    pino.destination({ fd: options.destination ?? 2, sync: true }),
  );
}

/** Replaces every occurrence of each secret (at least 4 characters long) with `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/**
 * Security: each secret value (API key, passwords) replaced in every string of a value, so task
 * output that echoes one (a PicoClaw printing its own config) never reaches a client or a record.
 */
export function scrubDeep(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return scrubSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, secrets));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, secrets)]));
  return value;
}
