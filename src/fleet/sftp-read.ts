import type { SFTPWrapper } from "ssh2";

/** What `readCapped` read of a file: all of it, or its head and tail around what did not fit. */
export interface CappedRead {
  head: Buffer;
  tail?: Buffer;
  /** The file's size when it was read. */
  size: number;
}

/** Bytes asked for in one SFTP read: OpenSSH's sftp-server answers at most 256 KiB, ssh2 splits above its packet size. */
const CHUNK = 32 * 1024;

/** Opens `path` for reading over SFTP. */
export function sftpOpen(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => sftp.open(path, "r", (err, h) => (err ? reject(err) : resolve(h))));
}

/**
 * Reads a file open for reading over SFTP the way the task frame carries a stream: whole when it
 * is at most `cap` bytes, else its first `cap / 2` and last `cap - cap / 2` bytes; the handle stays
 * open. A file within the cap costs one read (a short read is the end of a regular file); only a
 * longer one is measured, and read up to the size measured.
 */
export async function readCapped(sftp: SFTPWrapper, handle: Buffer, cap: number): Promise<CappedRead> {
  // One chunk first: most outputs are short, and a chunk not filled is the whole file.
  const one = Math.min(cap + 1, CHUNK);
  let first = await readRange(sftp, handle, 0, one);
  if (first.length === one && one < cap + 1) first = Buffer.concat([first, await readRange(sftp, handle, one, cap + 1 - one)]);
  if (first.length <= cap) return { head: first, size: first.length };
  const size = await new Promise<number>((resolve, reject) => sftp.fstat(handle, (err, st) => (err ? reject(err) : resolve(st.size))));
  const half = Math.floor(cap / 2);
  return { head: first.subarray(0, half), tail: await readRange(sftp, handle, size - (cap - half), cap - half), size };
}

/**
 * Up to `length` bytes from `offset`, in CHUNK-sized reads sent at once; shorter when the file is.
 * A chunk past the end answers EOF (empty); one that came back short ends the range there.
 */
async function readRange(sftp: SFTPWrapper, handle: Buffer, offset: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  const reads: Promise<Buffer>[] = [];
  for (let at = 0; at < length; at += CHUNK) {
    const n = Math.min(CHUNK, length - at);
    reads.push(
      new Promise((resolve, reject) =>
        sftp.read(handle, Buffer.alloc(n), 0, n, offset + at, (err, got, buf) => {
          if (err) return (err as { code?: unknown }).code === 1 ? resolve(Buffer.alloc(0)) : reject(err); // 1: SSH_FX_EOF
          resolve(buf.subarray(0, got));
        }),
      ),
    );
  }
  const parts = await Promise.all(reads);
  const short = parts.findIndex((p, i) => p.length < Math.min(CHUNK, length - i * CHUNK));
  return Buffer.concat(short < 0 ? parts : parts.slice(0, short + 1));
}
