import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper } from "ssh2";

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
