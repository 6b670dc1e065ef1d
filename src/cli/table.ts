/** Renders rows as a plain aligned table for a terminal (no colour when not a TTY). */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - visibleLength(c))))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const ANSI = /\u001b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return [...text.replace(ANSI, "")].length;
}

/** Colours for a terminal; plain text when stdout is not one, or NO_COLOR is set. */
export function paint(stream: NodeJS.WriteStream): { green(s: string): string; red(s: string): string; yellow(s: string): string; dim(s: string): string } {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const wrap = (code: number) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { green: wrap(32), red: wrap(31), yellow: wrap(33), dim: wrap(2) };
}

/** What every verb ends with: the value as JSON for scripts (`--json`), or its text for a person. */
export function writeOutput(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

/** A row's status coloured the same way in every table: green done, yellow still running, red otherwise. */
export function paintStatus(c: ReturnType<typeof paint>, status: string): string {
  return status === "succeeded" ? c.green(status) : status === "running" ? c.yellow(status) : c.red(status);
}
