// PicoClaw v0.2.4 and later keep model API keys out of config.json, in `.security.yml` next to
// it (sipeed/picoclaw pkg/config/security.go, SecurityConfigFile), under
//   model_list:
//     <model_name>:<n>:        (or plain <model_name>)
//       api_keys: [ ... ]
// where <n> counts entries of config.json's model_list that share the name (toNameIndex in
// pkg/config/config.go; SecureModelList.UnmarshalYAML in pkg/config/config_struct.go). An entry
// present here REPLACES the keys from config.json, even when it lists none: PicoClaw's own
// SaveConfig writes `<name>:0: {}` for every key-less model, so an entry for our model must be
// rewritten, not just added to.
//
// There is no YAML library in this package, and the file is written by PicoClaw's yaml.v3
// encoder in block style, so this edits lines: the top-level `model_list:` block is found, the
// entries named after our model are removed, and ours is inserted. Everything else is kept.

/**
 * Returns `.security.yml` text in which `modelName` (entry `<modelName>:0`) has exactly `apiKey`,
 * keeping every other secret the file holds (other models, channel tokens, web search keys).
 * `existing` is the current file, empty or undefined when there is none.
 */
export function setModelKeyInSecurityYaml(existing: string | undefined, modelName: string, apiKey: string): string {
  const entry = [`${JSON.stringify(`${modelName}:0`)}:`, `  api_keys:`, `    - ${JSON.stringify(apiKey)}`];
  const text = (existing ?? "").replace(/\r\n/g, "\n");
  if (text.trim() === "") return ["model_list:", ...indent(entry, 2)].join("\n") + "\n";

  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const head = lines.findIndex((l) => /^model_list\s*:/.test(l));
  if (head < 0) return [...lines, "model_list:", ...indent(entry, 2)].join("\n") + "\n";

  const inline = lines[head]!.replace(/^model_list\s*:/, "").replace(/\s+#.*$/, "").trim();
  if (inline !== "" && inline !== "{}" && inline !== "null" && inline !== "~") {
    throw new Error(
      "Cannot update .security.yml: its model_list is not in block style; remove the file on the host and deploy again",
    );
  }
  let end = head + 1;
  while (end < lines.length && /^(\s|-|$)/.test(lines[end]!)) end++;
  const block = lines.slice(head + 1, end);
  const childIndent = block.find((l) => l.trim() !== "")?.match(/^ */)![0].length || 2;

  const kept: string[] = [];
  let skipping = false;
  for (const line of block) {
    const lineIndent = line.match(/^ */)![0].length;
    if (line.trim() !== "" && lineIndent <= childIndent) {
      skipping = isEntryFor(yamlKey(line.slice(lineIndent)), modelName);
    }
    if (!skipping) kept.push(line);
  }
  const merged = ["model_list:", ...indent(entry, childIndent), ...kept];
  return [...lines.slice(0, head), ...merged, ...lines.slice(end)].join("\n") + "\n";
}

function indent(lines: string[], by: number): string[] {
  return lines.map((l) => " ".repeat(by) + l);
}

function isEntryFor(key: string | undefined, modelName: string): boolean {
  if (key === undefined) return false;
  return key === modelName || (key.startsWith(`${modelName}:`) && /^\d+$/.test(key.slice(modelName.length + 1)));
}

/** The key of a `key: value` / `key:` line, unquoted; undefined for anything else. */
function yamlKey(line: string): string | undefined {
  const double = /^"((?:[^"\\]|\\.)*)"\s*:(?:\s|$)/.exec(line);
  if (double) {
    try {
      return JSON.parse(`"${double[1]}"`) as string;
    } catch {
      return undefined;
    }
  }
  const single = /^'((?:[^']|'')*)'\s*:(?:\s|$)/.exec(line);
  if (single) return single[1]!.replace(/''/g, "'");
  const plain = /^([^\s"'#-][^#]*?)\s*:(?:\s|$)/.exec(line);
  return plain?.[1];
}
