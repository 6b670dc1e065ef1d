import { framedValue } from "../fleet/framed.js";
import { commandLine } from "../fleet/shell.js";

/** Where an archive is uploaded before it is unpacked. */
export const STAGING_DIR = "~/.picoclaw-fleet/staging";

/**
 * Unpacks the uploaded asset into a fresh temporary directory beside the binary's final place and
 * checks that it runs here (right arch, not truncated), touching nothing live. Prints the temp dir,
 * framed (a chatty login shell may print before it).
 * On any failure, and when killed (a cancelled deploy: TERM to its process group), the temp dir and
 * the staged upload are removed. The temp dir's name carries the deploy's id, so a deploy that lost
 * this script's answer can still find and remove it (ABANDON).
 * Security: paths arrive as arguments, never spliced into the script.
 */
const UNPACK = `set -e
S="$HOME/\${1#\\~/}"; FORMAT=$2; ID=$3; B="$HOME/.local/bin"; W=""
trap '[ -z "$W" ] || rm -rf "$W"; rm -f "$S"' EXIT
trap 'exit 143' TERM INT HUP
mkdir -p "$B"; W=$(mktemp -d "$B/.picoclaw-install.$ID.XXXXXX")
if [ "$FORMAT" = tar.gz ]; then tar -xzf "$S" -C "$W"; else cp "$S" "$W/picoclaw"; fi
rm -f "$S"
[ -f "$W/picoclaw" ] || { echo "the archive holds no picoclaw binary at its root" >&2; exit 3; }
chmod 755 "$W/picoclaw"; [ -f "$W/picoclaw-launcher" ] && chmod 755 "$W/picoclaw-launcher"
"$W/picoclaw" version </dev/null >/dev/null 2>"$W/.err" || { echo "the new binary does not run on this host: $(head -c 300 "$W/.err")" >&2; exit 4; }
trap - EXIT TERM INT HUP; printf '\\036dir %s\\n' "$W"`;

/**
 * Moves the checked binaries into place with rename(2) (atomic: a half-copied binary never
 * replaces a working one). A host with no PicoClaw config yet is onboarded, stdin closed; one that
 * has a config is not: from v0.2.3 onboard rewrites the workspace's memory/MEMORY.md, AGENT.md,
 * SOUL.md, USER.md and skills unconditionally, which would wipe the worker's memory on every
 * upgrade. `picoclaw status` loads the config instead, which migrates an older schema and leaves
 * the workspace alone. Prints the files deploy must edit.
 */
const COMMIT = `set -e
W=$1; B="$HOME/.local/bin"
case "$W" in "$B"/.picoclaw-install.*) ;; *) echo "refusing odd staging dir" >&2; exit 2;; esac
mv -f "$W/picoclaw" "$B/picoclaw"
[ -f "$W/picoclaw-launcher" ] && mv -f "$W/picoclaw-launcher" "$B/picoclaw-launcher"
rm -rf "$W"
C="$HOME/.picoclaw/config.json"; ON=0
if [ -f "$C" ]; then "$B/picoclaw" status </dev/null >/dev/null 2>&1 || true
else "$B/picoclaw" onboard </dev/null >/dev/null 2>&1 && [ -f "$C" ] && ON=1; fi
printf '\\036home %s\\n\\036onboarded %s\\n\\036version\\n' "$HOME" "$ON"
"$B/picoclaw" version </dev/null 2>/dev/null | base64
printf '\\036config\\n'; [ -f "$C" ] && base64 < "$C"
printf '\\036security\\n'; [ -f "$HOME/.picoclaw/.security.yml" ] && base64 < "$HOME/.picoclaw/.security.yml"
printf '\\036end\\n'`;

/**
 * Undoes an unfinished deploy (cancelled, or failed before the commit): removes the deploy's temp
 * install dirs, the staged upload and any half-written SFTP temp file of it. The directories
 * themselves stay (another deploy to the host may be using them). The live binary and config are
 * never touched here.
 */
const ABANDON = `ID=$1; S="$HOME/\${2#\\~/}"
case "$ID" in *[!0-9a-f]* | "") echo "refusing odd deploy id" >&2; exit 2;; esac
rm -rf "$HOME/.local/bin/.picoclaw-install.$ID."*; rm -f "$S" "$S".tmp-*`;

/**
 * The schema of the PicoClaw config already on the host, read-only: `none` (no config), else the
 * top-level `"version"` PicoClaw writes (two spaces in, as its JSON is indented), or 1 for a
 * config without one beside a .security.yml (v0.2.4), or 0.
 */
const CONFIG_SCHEMA = `C="$HOME/.picoclaw/config.json"
if [ ! -f "$C" ]; then printf '\\036schema none\\n'; exit 0; fi
V=$(sed -n 's/^  "version": *\\([0-9][0-9]*\\).*/\\1/p' "$C" | head -n 1)
if [ -z "$V" ]; then V=0; [ -f "$HOME/.picoclaw/.security.yml" ] && V=1; fi
printf '\\036schema %s\\n' "$V"`;

/** Reads CONFIG_SCHEMA's answer: null for no config (or an answer it cannot read). */
export function parseConfigSchema(stdout: string): number | null {
  const v = framedValue(stdout, "schema");
  return v !== null && /^\d{1,3}$/.test(v) ? Number(v) : null;
}

export const configSchemaCommand = () => `sh -c ${commandLine([CONFIG_SCHEMA, "schema"])}`;

/** `id` names this deploy's temp files on the host: lowercase hex, as ABANDON insists. */
export const unpackCommand = (staged: string, format: string, id: string) => `sh -c ${commandLine([UNPACK, "unpack", staged, format, id])}`;
export const commitCommand = (workDir: string) => `sh -c ${commandLine([COMMIT, "commit", workDir])}`;
export const abandonCommand = (id: string, staged: string) => `sh -c ${commandLine([ABANDON, "abandon", id, staged])}`;

/** The sections COMMIT printed, decoded. */
export interface CommitOutput {
  home: string;
  onboarded: boolean;
  versionText: string;
  configJson: string;
  securityYaml: string;
}

export function parseCommit(stdout: string): CommitOutput | null {
  const sections = new Map<string, string>();
  for (const part of stdout.split("\u001e").slice(1)) {
    const nl = part.indexOf("\n");
    const head = part.slice(0, nl < 0 ? undefined : nl);
    const [key, ...rest] = head.split(" ");
    sections.set(key!, rest.length ? rest.join(" ") : part.slice(nl + 1));
  }
  if (!sections.has("end")) return null;
  const b64 = (k: string) => Buffer.from(sections.get(k) ?? "", "base64").toString("utf8");
  return { home: sections.get("home") ?? "", onboarded: sections.get("onboarded") === "1", versionText: b64("version"), configJson: b64("config"), securityYaml: b64("security") };
}
