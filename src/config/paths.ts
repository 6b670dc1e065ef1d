import { homedir } from "node:os";
import { join } from "node:path";

/** Expands a leading `~` to this user's home, as the config's paths are written. */
export function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return path;
}

/** Where the OpenClaw skill keeps its config: the last place looked for one. */
export const SKILL_CONFIG_PATH = "~/.openclaw/workspace/config/picoclaw-fleet.json";
