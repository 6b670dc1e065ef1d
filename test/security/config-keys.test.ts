import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/mcp-json.js";
import { startLab, type Lab } from "../lab/sshd-lab.js";

// A misspelt safety setting must stop the server, not quietly become its default: `"polcy"` would
// leave every tool enabled, `"hostkey_policy": "off"` would keep strict (or worse, the reverse).

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ hosts: 1 });
});

afterAll(async () => {
  await lab?.stop();
});

/** Runs `node dist/cli.js <args>` with stdin closed at once; resolves with its exit code and stderr. */
function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("node", ["dist/cli.js", ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdin.end();
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/** The lab's config with one key misspelt, written next to it. */
function misspelt(name: string, edit: (config: any) => void): string {
  const path = lab.writeConfig();
  const config = JSON.parse(readFileSync(path, "utf8"));
  edit(config);
  const out = join(lab.dir, `${name}.json`);
  writeFileSync(out, JSON.stringify(config));
  return out;
}

const CASES = [
  { name: "polcy", edit: (c: any) => (c.polcy = { disabled_tools: ["teardown"] }), line: "polcy: unknown key; did you mean policy?" },
  { name: "hostkey_policy", edit: (c: any) => (c.ssh.hostkey_policy = "off"), line: "ssh.hostkey_policy: unknown key; did you mean host_key_policy?" },
  { name: "lables", edit: (c: any) => (c.hosts[0].lables = c.hosts[0].labels), line: "hosts[0].lables: unknown key; did you mean labels?" },
];

describe("config: an unknown key is an error naming its path and the nearest known key", () => {
  for (const { name, edit, line } of CASES) {
    it(`"${name}" stops serve at start and fails doctor, with one line naming it`, async () => {
      const path = misspelt(name, edit);
      for (const verb of ["serve", "doctor"]) {
        const { code, stderr } = await cli([verb, "--config", path]);
        expect(code, `${verb}: ${stderr}`).toBe(2);
        expect(stderr.split("\n")).toContain(`  ${line}`);
      }
    });
  }

  it("the skill's documented config still loads unchanged: serve starts, and ends with its stdin", async () => {
    const path = join(lab.dir, "skill.json");
    writeFileSync(path, JSON.stringify({
      hosts: [{ name: "darth", host: "127.0.0.1", user: "eric", arch: "arm64", ssh_key: "~/.ssh/id_rsa" }],
      defaults: { provider: "anthropic", api_key_env: "ANTHROPIC_API_KEY" },
    }));
    const { code, stderr } = await cli(["serve", "--config", path]);
    expect(stderr).not.toMatch(/Invalid config|unknown key/);
    expect(code).toBe(0);
  });
});
