import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";
import { FleetError } from "./types.js";

/** SFTP starts in the login user's home, so `~/x` is simply `x` there. */
function sftpPath(path: string): string {
  if (path === "~") return ".";
  return path.startsWith("~/") ? path.slice(2) : path;
}

function call(fn: (cb: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

/** mkdir -p over SFTP (mode 0700 for directories it creates). */
async function mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
  if (dir === "." || dir === "/" || dir === "") return;
  const exists = await new Promise<boolean>((resolve) => sftp.stat(dir, (err) => resolve(!err)));
  if (exists) return;
  await mkdirs(sftp, posix.dirname(dir));
  await call((cb) => sftp.mkdir(dir, { mode: 0o700 }, cb)).catch(async (err: Error) => {
    const now = await new Promise<boolean>((resolve) => sftp.stat(dir, (e) => resolve(!e)));
    if (!now) throw err;
  });
}

/**
 * Writes a file through a temporary name and an atomic rename, so a reader never sees half a
 * file. Security: the file is created with `mode` from the start (secrets are never world-readable,
 * not even for a moment).
 */
export async function sftpWrite(sftp: SFTPWrapper, path: string, data: string | Buffer, mode: number): Promise<void> {
  const dest = sftpPath(path);
  await mkdirs(sftp, posix.dirname(dest));
  const tmp = `${dest}.tmp-${randomBytes(4).toString("hex")}`;
  await call((cb) => sftp.writeFile(tmp, data, { mode }, cb));
  await call((cb) => sftp.chmod(tmp, mode, cb));
  await renameOver(sftp, tmp, dest);
}

/** Uploads a local file the same way: temporary name, mode, atomic rename. */
export async function sftpUpload(sftp: SFTPWrapper, localPath: string, path: string, mode: number, signal?: AbortSignal): Promise<void> {
  const dest = sftpPath(path);
  await mkdirs(sftp, posix.dirname(dest));
  const tmp = `${dest}.tmp-${randomBytes(4).toString("hex")}`;
  const onAbort = () => sftp.end();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await call((cb) => sftp.fastPut(localPath, tmp, { mode }, cb));
    signal?.throwIfAborted();
    await call((cb) => sftp.chmod(tmp, mode, cb));
    await renameOver(sftp, tmp, dest);
  } catch (err) {
    await call((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** posix-rename@openssh.com replaces the target atomically; plain SFTP rename refuses an existing one. */
function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return call((cb) => sftp.ext_openssh_rename(from, to, cb)).catch(async () => {
    await call((cb) => sftp.unlink(to, cb)).catch(() => undefined);
    await call((cb) => sftp.rename(from, to, cb));
  });
}

/**
 * SFTP's first bytes read as a packet length (`Packet length 1466264675 exceeds max length`) mean
 * that the login shell printed text before the SFTP server spoke: bash reads ~/.bashrc for every
 * command sshd runs, the sftp-server included. Says so, with the bytes it printed and the fix
 * OpenSSH gives for scp and sftp; any other error is returned as it is.
 */
export function explainSftpError(err: unknown, host: string): unknown {
  const m = /Packet length (\d+) exceeds max length/.exec(err instanceof Error ? err.message : "");
  if (!m) return err;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(Number(m[1]) >>> 0);
  return new FleetError(
    "disconnected",
    `SFTP to ${host} failed: the login shell printed ${JSON.stringify(head.toString("latin1"))}… before the SFTP server started. Shell startup files must print nothing for non-interactive sessions: at the top of ~/.bashrc (or whatever your login shell reads: ~/.zshenv, a conda block) put \`case $- in *i*) ;; *) return ;; esac\`, or guard what prints with \`[ -z "$PS1" ] || …\`.`,
    host,
  );
}
