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
