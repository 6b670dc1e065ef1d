import { setModelKeyInSecurityYaml } from "./security-yaml.js";
import { compareVersions } from "./version.js";

// Where PicoClaw reads a model's API key changed three times; all from sipeed/picoclaw pkg/config:
//  - before v0.2.0: `providers.<provider>.api_key` with agents.defaults.provider / .model (config.go).
//  - v0.2.0 to v0.2.3: `model_list[]` entries {model_name, model: "<protocol>/<id>", api_base,
//    api_key} (ModelConfig in config.go); agents.defaults.model_name picks one (GetModelName).
//  - v0.2.4 on: config.json carries no key; `.security.yml` does (security.go, see
//    security-yaml.ts). config.json has a schema `version` (CurrentVersion: 1 in v0.2.4, 2 in
//    v0.2.5, 3 from v0.2.7), and from v0.2.8 unknown fields are refused at load
//    (decodeJSONWithDiagnostics in diagnostics.go): no `api_key`, no agents.defaults.model there.
type Layout = "providers" | "model-list-key" | "security";

/** The model a deploy configures on a host, and the key it uses. */
export interface ModelSettings {
  /** PicoClaw protocol name: `anthropic`, `openai`, `openrouter`, `ollama`... */
  provider: string;
  /**
   * PicoClaw model name (`model_list[].model_name`). Default: the entry for `provider` that
   * `picoclaw onboard` wrote (e.g. `claude-sonnet-4.6` for anthropic on v0.2.9).
   */
  model?: string;
  /** API endpoint; default: the onboard entry's, else PicoClaw's default for the protocol. */
  apiBase?: string;
  /** The secret ("" for a keyless endpoint). It leaves this module only inside the returned file texts. */
  apiKey: string;
}

/**
 * Model ids each provider's API accepts, for a fleet config that names no model. Onboard's own
 * anthropic entry cannot serve: v0.2.8 and v0.2.9 ship `claude-sonnet-4.6`, which Anthropic's API
 * refuses (its ids are dashed). Providers not listed keep onboard's entry.
 */
const DEFAULT_MODELS: Readonly<Record<string, string>> = { anthropic: "claude-sonnet-4-6" };

/** Claude ids written with a dot (`claude-sonnet-4.6`), as onboard wrote them: Anthropic's ids are dashed. */
const DOTTED_CLAUDE = /^((?:anthropic\/)?claude-[a-z]+-\d+)\.(\d+)$/;

/** Input of {@link buildRemoteConfig}: what is on the host now, and the model to set. */
export interface RemoteConfigInput extends ModelSettings {
  /** Installed PicoClaw version (`0.2.9`); it decides where the key goes. */
  version: string;
  /** Current `config.json` text as `picoclaw onboard` left it; empty or undefined if none. */
  configJson?: string;
  /** Current `.security.yml` text; empty or undefined if none. */
  securityYaml?: string;
}

/** The files to write on the host, both mode 0600, next to each other. */
export interface RemoteConfigFiles {
  configJson: string;
  /** `.security.yml` text, or null for versions before v0.2.4, which read keys from config.json. */
  securityYaml: string | null;
  /** The model_name that agents.defaults now selects. */
  modelName: string;
}

type Json = Record<string, unknown>;

/**
 * Builds the host's PicoClaw config with an API key for one model, because PicoClaw reads no
 * `.env` and no `ANTHROPIC_API_KEY`: the key must be in its config, where that version looks.
 * Every other setting onboard or the user wrote is kept; entries of the same model_name are
 * replaced by one (PicoClaw round-robins same-name entries, so a key-less duplicate would fail
 * every other call). Pure: reads nothing, logs nothing.
 */
export function buildRemoteConfig(given: RemoteConfigInput): RemoteConfigFiles {
  const input = { ...given, model: given.model ?? DEFAULT_MODELS[given.provider] };
  const layout = layoutFor(input.version);
  const config = parseConfig(input.configJson);
  const agents = objectAt(config, "agents");
  const defaults = objectAt(agents, "defaults");

  if (layout === "providers") {
    const providers = objectAt(config, "providers");
    const entry = objectAt(providers, input.provider);
    if (input.apiKey) entry.api_key = input.apiKey;
    if (input.apiBase) entry.api_base = input.apiBase;
    defaults.provider = input.provider;
    if (input.model) defaults.model = input.model;
    const modelName = typeof defaults.model === "string" ? defaults.model : "";
    return { configJson: stringify(config), securityYaml: null, modelName };
  }

  const list = Array.isArray(config.model_list) ? (config.model_list as unknown[]).filter(isObject) : [];
  const entry = modelEntry(list, input);
  const modelName = entry.model_name as string;
  config.model_list = [entry, ...list.filter((e) => e.model_name !== modelName)];
  defaults.model_name = modelName;

  if (layout === "model-list-key") {
    if (input.apiKey) entry.api_key = input.apiKey;
    return { configJson: stringify(config), securityYaml: null, modelName };
  }
  delete defaults.model;
  delete entry.api_key;
  delete entry.api_keys;
  if (config.version === undefined) config.version = schemaVersionFor(input.version);
  if (atLeast(input.version, "0.2.5")) entry.enabled = true;
  // A keyless endpoint (a local Ollama, ClusterCrush) gets no key file entry at all.
  const securityYaml = input.apiKey ? setModelKeyInSecurityYaml(input.securityYaml, modelName, input.apiKey) : null;
  return { configJson: stringify(config), securityYaml, modelName };
}

// A new entry names its protocol by prefix (`anthropic/claude-…`), which every v0.2.x reads;
// the separate `provider` field only exists from v0.2.8.
function modelEntry(list: Json[], input: ModelSettings): Json {
  const ofProvider = (e: Json): boolean =>
    e.provider === input.provider || (typeof e.model === "string" && e.model.startsWith(`${input.provider}/`));
  const existing = input.model
    ? list.find((e) => e.model_name === input.model && ofProvider(e))
    : list.find((e) => typeof e.model_name === "string" && ofProvider(e));
  if (!existing && !input.model) {
    throw new Error(
      `No model for provider ${input.provider} in the host's PicoClaw config: set defaults.model in the fleet config`,
    );
  }
  const entry: Json = existing
    ? { ...existing }
    : { model_name: input.model, model: withProtocol(input.provider, input.model!) };
  if (input.apiBase) entry.api_base = input.apiBase;
  if (typeof entry.model === "string" && ofProvider(entry)) entry.model = entry.model.replace(DOTTED_CLAUDE, "$1-$2");
  return entry;
}

function withProtocol(provider: string, model: string): string {
  return model.startsWith(`${provider}/`) ? model : `${provider}/${model}`;
}

function layoutFor(version: string): Layout {
  if (!atLeast(version, "0.2.0")) return "providers";
  return atLeast(version, "0.2.4") ? "security" : "model-list-key";
}

/**
 * The newest config schema a PicoClaw version reads: -1 the `providers` layout (before v0.2.0),
 * 0 `model_list` with keys inside (v0.2.0-v0.2.3), then the `version` field it writes (1 from
 * v0.2.4, which moved keys to .security.yml; 2 from v0.2.5; 3 from v0.2.7). PicoClaw migrates a
 * config forward only: v0.2.4-v0.2.6 refuse schema 3, and nothing before v0.2.4 finds the keys.
 */
export function readableSchema(version: string): number {
  const layout = layoutFor(version);
  return layout === "providers" ? -1 : layout === "model-list-key" ? 0 : schemaVersionFor(version);
}

function schemaVersionFor(version: string): number {
  if (!atLeast(version, "0.2.5")) return 1;
  return atLeast(version, "0.2.7") ? 3 : 2;
}

// A version that is not x.y.z (`dev`) is a build of the main branch: the newest layout.
// Pre-releases of a floor count as reaching it (0.2.4-nightly has the 0.2.4 layout).
function atLeast(version: string, floor: string): boolean {
  return !/^v?\d+\.\d+\.\d+/.test(version) || compareVersions(version, `${floor}-0`) >= 0;
}

function parseConfig(text: string | undefined): Json {
  if (!text || text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `Cannot update the host's PicoClaw config.json: it is not valid JSON (${(err as Error).message}); remove it and deploy again`,
    );
  }
  if (!isObject(parsed)) {
    throw new Error("Cannot update the host's PicoClaw config.json: it is not a JSON object; remove it and deploy again");
  }
  return parsed;
}

function objectAt(parent: Json, key: string): Json {
  const value = parent[key];
  if (isObject(value)) return value;
  const fresh: Json = {};
  parent[key] = fresh;
  return fresh;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringify(config: Json): string {
  return JSON.stringify(config, null, 2) + "\n";
}
