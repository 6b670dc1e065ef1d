import type { Writable } from "node:stream";
import type { ExecOptions } from "./types.js";

/**
 * Gives a command its stdin as ExecOptions say, the same way on every transport: `stdin` then
 * end, or, with `stdinEnd`, `stdin` now and the rest (then end) once that promise resolves. A
 * stream the command already closed is left alone: the command's exit decides the result.
 */
export function feedStdin(stream: Writable, options: Pick<ExecOptions, "stdin" | "stdinEnd">): void {
  if (!options.stdinEnd) {
    if (options.stdin !== undefined) stream.end(options.stdin);
    else stream.end();
    return;
  }
  if (options.stdin !== undefined) stream.write(options.stdin);
  void options.stdinEnd.then((rest) => {
    if (stream.writable && !stream.destroyed) stream.end(rest);
  });
}
