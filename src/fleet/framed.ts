/**
 * The values a remote script printed as `\036<key> <value>` lines, in order. Every answer that
 * deploy and teardown parse is framed so: a login shell that prints a motd, `fortune` or a conda
 * banner before the script runs (bash reads ~/.bashrc for every command sshd runs) must never be
 * read as part of the answer.
 */
export function framedValues(stdout: string, key: string): string[] {
  const mark = `\u001e${key} `;
  return stdout
    .split("\n")
    .filter((line) => line.startsWith(mark))
    .map((line) => line.slice(mark.length));
}

/** The first framed value of `key`, or null when the script printed none (its answer was cut short). */
export function framedValue(stdout: string, key: string): string | null {
  return framedValues(stdout, key)[0] ?? null;
}
