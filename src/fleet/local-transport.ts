import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname } from "node:path";
import { expandHome } from "../config/paths.js";
import { runExec } from "./exec-session.js";
import { feedStdin } from "./stdin.js";
import { FleetError, type ExecOptions, type ExecResult, type HostTransport } from "./types.js";

/**
 * The `local` transport: the orchestrator itself as a fleet host, with no SSH, behind the same
 * interface, so the template's `local` host works on a new machine before any host is added.
 * Commands run under `sh -c` in their own process group, from the home directory, as on SSH.
 */
export class LocalTransport implements HostTransport {
  readonly kind = "local" as const;

  constructor(readonly name: string) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const label = command.length > 80 ? `${command.slice(0, 77)}...` : command;
    return runExec(this.name, label, options, async (sink) => {
      const child = spawn("/bin/sh", ["-c", command], { cwd: homedir(), detached: true, stdio: ["pipe", "pipe", "pipe"] });
      child.stdout.on("data", (chunk: Buffer) => sink.stdout(chunk));
      child.stderr.on("data", (chunk: Buffer) => sink.stderr(chunk));
      child.on("error", (err) => sink.fail(new FleetError("config", `${this.name}: cannot start /bin/sh: ${err.message}`, this.name)));
      child.on("close", (code, signal) => sink.exit(code, signal));
      child.stdin.on("error", () => undefined); // a command that never reads stdin closes it early
      feedStdin(child.stdin, options);
      return {
        kill: async () => {
          if (!child.pid) return;
          signalGroup(child.pid, "SIGTERM");
          await new Promise((r) => setTimeout(r, 500));
          signalGroup(child.pid, "SIGKILL");
        },
      };
    });
  }

  async writeFile(path: string, data: string | Buffer, mode: number): Promise<void> {
    const dest = expandHome(path);
    await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    const tmp = `${dest}.tmp-${randomBytes(4).toString("hex")}`;
    await writeFile(tmp, data, { mode });
    await chmod(tmp, mode);
    await rename(tmp, dest);
  }

  async uploadFile(localPath: string, remotePath: string, mode: number): Promise<void> {
    const dest = expandHome(remotePath);
    await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
    const tmp = `${dest}.tmp-${randomBytes(4).toString("hex")}`;
    try {
      await copyFile(localPath, tmp);
      await chmod(tmp, mode);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
