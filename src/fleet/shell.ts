/**
 * POSIX shell quoting. Security: every piece of data that reaches a remote shell goes through
 * `quote`, so quotes, `$()`, backticks, newlines and `;` stay data. NUL cannot be passed in argv
 * at all, so it is refused rather than silently cut.
 */
export function quote(value: string): string {
  if (value.includes("\0")) throw new Error("Refused a NUL byte in a shell argument: argv cannot carry it");
  if (value !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each argument and joins them into one command line. */
export function commandLine(args: readonly string[]): string {
  return args.map(quote).join(" ");
}

/**
 * A remote path that may start with `~/`: the home part is left to the shell (`"$HOME"/…`),
 * the rest quoted. Security: the user-controlled part is always quoted.
 */
export function remotePath(path: string): string {
  if (path === "~") return `"$HOME"`;
  if (path.startsWith("~/")) return `"$HOME"/${quote(path.slice(2))}`;
  return quote(path);
}
