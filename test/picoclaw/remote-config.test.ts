import { describe, expect, it } from "vitest";
import { buildRemoteConfig } from "../../src/picoclaw/remote-config.js";
import { setModelKeyInSecurityYaml } from "../../src/picoclaw/security-yaml.js";

const KEY = "sk-ant-api03-secret";

// The shape v0.2.9's onboard writes (pkg/config/defaults.go), trimmed.
const ONBOARD_029 = JSON.stringify({
  version: 3,
  agents: { defaults: { workspace: "/home/pi/.picoclaw/workspace", provider: "", model_name: "", max_tokens: 32768 } },
  channel_list: { telegram: { enabled: false } },
  model_list: [
    { model_name: "gpt-5.4", provider: "openai", model: "gpt-5.4", api_base: "https://api.openai.com/v1" },
    { model_name: "claude-sonnet-4.6", provider: "anthropic", model: "claude-sonnet-4.6", api_base: "https://api.anthropic.com/v1" },
  ],
  gateway: { host: "localhost", port: 18790 },
});
const SECURITY_029 = "channel_list: {}\nmodel_list:\n  gpt-5.4:0: {}\n  claude-sonnet-4.6:0: {}\nweb:\n  brave: {}\n";

describe("buildRemoteConfig", () => {
  it("v0.2.9 with no model set: a model id Anthropic accepts, not onboard's dotted one, and the key in .security.yml only", () => {
    const out = buildRemoteConfig({ version: "0.2.9", configJson: ONBOARD_029, securityYaml: SECURITY_029, provider: "anthropic", apiKey: KEY });
    const config = JSON.parse(out.configJson);
    expect(out.modelName).toBe("claude-sonnet-4-6");
    expect(config.agents.defaults).toMatchObject({ model_name: "claude-sonnet-4-6", max_tokens: 32768 });
    expect(config.model_list[0]).toEqual({ model_name: "claude-sonnet-4-6", model: "anthropic/claude-sonnet-4-6", enabled: true });
    // Onboard's entries stay, unselected.
    expect(config.model_list).toHaveLength(3);
    expect(config).toMatchObject({ version: 3, channel_list: { telegram: { enabled: false } }, gateway: { port: 18790 } });
    expect(out.configJson).not.toContain(KEY);
    expect(out.securityYaml).toBe(
      `channel_list: {}\nmodel_list:\n  "claude-sonnet-4-6:0":\n    api_keys:\n      - "${KEY}"\n  gpt-5.4:0: {}\n  claude-sonnet-4.6:0: {}\nweb:\n  brave: {}\n`,
    );
  });

  it("repairs a dotted Claude id in the entry it selects (onboard's claude-sonnet-4.6)", () => {
    const out = buildRemoteConfig({ version: "0.2.9", configJson: ONBOARD_029, provider: "anthropic", model: "claude-sonnet-4.6", apiKey: KEY });
    const config = JSON.parse(out.configJson);
    expect(config.model_list[0]).toMatchObject({ model_name: "claude-sonnet-4.6", provider: "anthropic", model: "claude-sonnet-4-6" });
  });

  it("a keyless endpoint gets no key anywhere and no .security.yml change", () => {
    const out = buildRemoteConfig({ version: "0.2.9", configJson: ONBOARD_029, securityYaml: SECURITY_029, provider: "ollama", model: "qwen2.5:0.5b", apiBase: "http://crush:11434/v1", apiKey: "" });
    const config = JSON.parse(out.configJson);
    expect(config.model_list[0]).toEqual({ model_name: "qwen2.5:0.5b", model: "ollama/qwen2.5:0.5b", api_base: "http://crush:11434/v1", enabled: true });
    expect(out.securityYaml).toBeNull();
    const old = JSON.parse(buildRemoteConfig({ version: "0.2.2", configJson: "{}", provider: "vllm", model: "m", apiKey: "" }).configJson);
    expect(old.model_list[0]).toEqual({ model_name: "m", model: "vllm/m" });
  });

  it("v0.2.9: a named model replaces every entry of that name and drops fields v0.2.8+ refuses", () => {
    const configJson = JSON.stringify({
      version: 3,
      agents: { defaults: { model: "legacy", model_name: "old" } },
      model_list: [
        { model_name: "claude-opus-4-5", model: "anthropic/claude-opus-4-5", api_key: "stale" },
        { model_name: "claude-opus-4-5", model: "anthropic/claude-opus-4-5", api_keys: ["stale"] },
      ],
    });
    const out = buildRemoteConfig({ version: "v0.2.9", configJson, provider: "anthropic", model: "claude-opus-4-5", apiBase: "https://proxy.local/v1", apiKey: KEY });
    const config = JSON.parse(out.configJson);
    expect(config.agents.defaults).toEqual({ model_name: "claude-opus-4-5" });
    expect(config.model_list).toEqual([
      { model_name: "claude-opus-4-5", model: "anthropic/claude-opus-4-5", api_base: "https://proxy.local/v1", enabled: true },
    ]);
    expect(out.securityYaml).toBe(`model_list:\n  "claude-opus-4-5:0":\n    api_keys:\n      - "${KEY}"\n`);
  });

  it("builds a whole config when onboard left none, with the schema version of the release", () => {
    for (const [version, schema] of [["0.2.4", 1], ["0.2.6", 2], ["0.2.7", 3], ["dev", 3]] as const) {
      const out = buildRemoteConfig({ version, provider: "openrouter", model: "openai/gpt-5.4", apiKey: KEY });
      const config = JSON.parse(out.configJson);
      expect(config.version).toBe(schema);
      expect(config.model_list[0]).toMatchObject({ model_name: "openai/gpt-5.4", model: "openrouter/openai/gpt-5.4" });
      expect(out.securityYaml).toContain(`"openai/gpt-5.4:0":`);
    }
    expect(JSON.parse(buildRemoteConfig({ version: "0.2.4", provider: "x", model: "y", apiKey: KEY }).configJson).model_list[0].enabled).toBeUndefined();
  });

  it("v0.2.0 to v0.2.3: the key goes in the model_list entry's api_key", () => {
    const configJson = JSON.stringify({
      agents: { defaults: { model: "", model_name: "" } },
      model_list: [{ model_name: "claude-sonnet-4.6", model: "anthropic/claude-sonnet-4.6", api_base: "https://api.anthropic.com/v1", api_key: "" }],
    });
    const out = buildRemoteConfig({ version: "0.2.2", configJson, provider: "anthropic", model: "claude-sonnet-4.6", apiKey: KEY });
    const config = JSON.parse(out.configJson);
    expect(out.securityYaml).toBeNull();
    expect(config.agents.defaults.model_name).toBe("claude-sonnet-4.6");
    expect(config.model_list[0]).toEqual({
      model_name: "claude-sonnet-4.6",
      model: "anthropic/claude-sonnet-4-6",
      api_base: "https://api.anthropic.com/v1",
      api_key: KEY,
    });
    expect(config.version).toBeUndefined();
  });

  it("before v0.2.0: the key goes in providers.<provider>.api_key", () => {
    const configJson = JSON.stringify({ agents: { defaults: { provider: "", model: "glm-4.7" } }, providers: { anthropic: { api_key: "", api_base: "" } } });
    const out = buildRemoteConfig({ version: "0.1.1", configJson, provider: "anthropic", model: "claude-sonnet-4-5", apiKey: KEY });
    expect(JSON.parse(out.configJson)).toEqual({
      agents: { defaults: { provider: "anthropic", model: "claude-sonnet-4-5" } },
      providers: { anthropic: { api_key: KEY, api_base: "" } },
    });
    expect(out).toMatchObject({ securityYaml: null, modelName: "claude-sonnet-4-5" });
  });

  it("says what to do when no model can be chosen or the config is unreadable", () => {
    expect(() => buildRemoteConfig({ version: "0.2.9", configJson: "{}", provider: "zhipu", apiKey: KEY })).toThrow(
      "No model for provider zhipu in the host's PicoClaw config: set defaults.model in the fleet config",
    );
    expect(() => buildRemoteConfig({ version: "0.2.9", configJson: "{oops", provider: "anthropic", model: "m", apiKey: KEY })).toThrow(
      /^Cannot update the host's PicoClaw config\.json: it is not valid JSON .*; remove it and deploy again$/,
    );
  });
});

describe("setModelKeyInSecurityYaml", () => {
  it("creates the file when there is none", () => {
    expect(setModelKeyInSecurityYaml(undefined, "m", "k")).toBe('model_list:\n  "m:0":\n    api_keys:\n      - "k"\n');
    expect(setModelKeyInSecurityYaml("\n", "m", "k")).toBe('model_list:\n  "m:0":\n    api_keys:\n      - "k"\n');
  });

  it("replaces every entry of the model, quoted, plain or indexed, and keeps the rest", () => {
    const existing = [
      "channel_list:",
      "  telegram:",
      "    token: tg-secret",
      "model_list:",
      '  "m:0":',
      "    api_keys:",
      "      - old",
      "  m:1: {}",
      "  'm': {}",
      "  m-other:0:",
      "    api_keys:",
      "      - keep-me",
      "web:",
      "  brave:",
      "    api_keys: [b]",
      "",
    ].join("\n");
    expect(setModelKeyInSecurityYaml(existing, "m", 'new"key')).toBe(
      [
        "channel_list:",
        "  telegram:",
        "    token: tg-secret",
        "model_list:",
        '  "m:0":',
        "    api_keys:",
        '      - "new\\"key"',
        "  m-other:0:",
        "    api_keys:",
        "      - keep-me",
        "web:",
        "  brave:",
        "    api_keys: [b]",
        "",
      ].join("\n"),
    );
  });

  it("fills an empty model_list and appends a missing one", () => {
    expect(setModelKeyInSecurityYaml("model_list: {}\nweb: {}\n", "m", "k")).toBe('model_list:\n  "m:0":\n    api_keys:\n      - "k"\nweb: {}\n');
    expect(setModelKeyInSecurityYaml("web: {}", "m", "k")).toBe('web: {}\nmodel_list:\n  "m:0":\n    api_keys:\n      - "k"\n');
  });

  it("follows the file's indentation and refuses a flow-style model_list", () => {
    expect(setModelKeyInSecurityYaml("model_list:\n    x:0: {}\n", "m", "k")).toBe(
      'model_list:\n    "m:0":\n      api_keys:\n        - "k"\n    x:0: {}\n',
    );
    expect(() => setModelKeyInSecurityYaml("model_list: {x:0: {}}\n", "m", "k")).toThrow(/not in block style/);
  });
});
