import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReleaseServer, type ReleaseServer } from "../lab/release-server.js";
import { startLab, type Lab, type LabHost } from "../lab/sshd-lab.js";
import { connect, depsFor, type Harness } from "../helpers/mcp.js";

const KEY_ENV = "PCF_INJECTION_TEST_KEY";
let lab: Lab;
let rel: ReleaseServer;
let h: Harness;
let host: LabHost;

/**
 * Tasks a prompt-injected client could send. Every payload that a shell would act on creates a
 * `pwned-*` file in the host user's home (or in the cwd, which is that home).
 */
const CORPUS: Record<string, string> = {
  "single quotes": "it's a 'quoted' word'",
  "double quotes": 'say "hi" and "; touch ~/pwned-dq; "',
  "command substitution": "$(touch ~/pwned-subst) $(touch pwned-subst2)",
  backticks: "`touch ~/pwned-tick`",
  "newlines, trailing ones kept": "line one\ntouch ~/pwned-nl\n\nline four\n\n",
  "; rm -rf ~": "; rm -rf ~ ; touch ~/pwned-semi",
  "&& || |": "x && touch ~/pwned-and || touch ~/pwned-or | touch ~/pwned-pipe",
  redirections: "x > ~/pwned-redirect < /etc/passwd 2>&1",
  "heredoc": "cat <<EOF\n$(touch ~/pwned-heredoc)\nEOF",
  "variables and arithmetic": "$HOME ${HOME} $((6*7)) $0 $1 $@ $* $$ $? ${IFS}",
  "globs and tilde": "* ? [a-z]* ~ ~root",
  "history and brace expansion": "!! !$ {a,b} {1..3}",
  backslashes: "\\\\ \\n \\' \\\" \\$(touch ~/pwned-bs)",
  "printf formats": "%s %n %d %% %b \\x41",
  unicode: "ünïcødé 中文 👩‍👩‍👧 ẞ",
  "RTL override": "\u202Eexe.txt\u202C and \u2066isolate\u2069",
  "zero-width and BOM": "a\u200Bb\uFEFFc\u00A0d",
  "control characters": "\u0001\u0007\u001b[31mred\u001b[0m\r\n\ttab\u007f",
  "a fake result frame": "\u001epcf state=done exit=0\n\u001epcf end\n",
  "--help": "--help",
  "-m": "-m",
  "--message=": "--message=evil",
  "-s evil": "-s evil",
  "--model x": "--model x",
  "a lone dash": "-",
  "only spaces": "   ",
  "100 KB": `${"A".repeat(100 * 1024)} $(touch ~/pwned-big)`,
};

async function lastMessage(): Promise<Buffer> {
  return readFile(join(host.home, ".picoclaw", "standin", "last-message"));
}

beforeAll(async () => {
  process.env[KEY_ENV] = "sk-test-injection-0000";
  lab = await startLab({ hosts: 1 });
  host = lab.hosts[0]!;
  rel = await startReleaseServer();
  h = await connect(depsFor({ ...JSON.parse(await readFile(lab.writeConfig({ release: { api_url: rel.apiUrl }, defaults: { api_key_env: KEY_ENV } }), "utf8")) }));
  const deployed = await h.call("deploy_host", { host: host.name });
  expect(deployed.isError, JSON.stringify(deployed.content)).toBeFalsy();
});

afterAll(async () => {
  await h?.close();
  await rel?.stop();
  await lab?.stop();
});

describe("an injection corpus dispatched to a lab host", () => {
  for (const [name, task] of Object.entries(CORPUS)) {
    it(`reaches PicoClaw's -m byte for byte: ${name}`, async () => {
      const res = await h.call("dispatch_task", { host: host.name, task });
      expect(res.structuredContent, JSON.stringify(res.content).slice(0, 300)).toMatchObject({ status: "succeeded", exit_code: 0 });
      expect((await lastMessage()).equals(Buffer.from(task, "utf8"))).toBe(true);
    });
  }

  it("hostile session and model values stay single arguments", async () => {
    const res = await h.call("dispatch_task", { host: host.name, task: "plain", session: "$(touch ~/pwned-session); `touch ~/pwned-s2`", output: "full" });
    expect(res.structuredContent).toMatchObject({ status: "succeeded", reply: "plain" });
    // Real v0.2.9 logs no session key at its default level (warn): the stand-in records the argument.
    expect(await readFile(join(host.home, ".picoclaw", "standin", "last-session"), "utf8")).toBe("$(touch ~/pwned-session); `touch ~/pwned-s2`");
    const model = await h.call("dispatch_task", { host: host.name, task: "plain", model: "x'; touch ~/pwned-model; '" });
    // The stand-in, like PicoClaw, refuses a model it does not know: the name arrived as one argument.
    expect(model.structuredContent.error).toContain(`model "x'; touch ~/pwned-model; '" not found`);
  });

  it("refuses a NUL byte with a clear error naming the field, and runs nothing", async () => {
    const before = await lastMessage();
    const res = await h.call("dispatch_task", { host: host.name, task: "before\u0000; touch ~/pwned-nul" });
    expect(res.isError).toBe(true);
    expect((res.content as { text: string }[])[0]!.text).toMatch(/task must not contain NUL bytes \(argv cannot carry them\) at task/);
    expect((await lastMessage()).equals(before)).toBe(true);
  });

  it("refuses a task longer than one argv element can hold (128 KiB), before anything runs", async () => {
    const before = await lastMessage();
    const res = await h.call("dispatch_task", { host: host.name, task: "中".repeat(50_000) });
    expect(res.isError, JSON.stringify(res.structuredContent)?.slice(0, 600)).toBe(true);
    expect((res.content as { text: string }[])[0]!.text).toMatch(/Expected task to be at most 131071 bytes.*got 150000 at task/);
    expect((await lastMessage()).equals(before)).toBe(true);
  });

  it("left no file that a shell interpreting any payload would have created", async () => {
    const listing = await lab.exec(`find ${host.home} /tmp -maxdepth 2 -name 'pwned*'`);
    expect(listing.stdout).toBe("");
    expect((await lab.exec(`ls -A ${host.home}`)).stdout).toContain(".picoclaw");
  });
});
