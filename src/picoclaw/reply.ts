// agent prints its answer as fmt.Printf("\n%s %s\n", Logo, response) (cmd/picoclaw/internal/agent/helpers.go).
const MARKER = "🦞 ";
// One line of PicoClaw's console logger (zerolog ConsoleWriter, TimeFormat "15:04:05"):
// `12:34:56 INF agent github.com/sipeed/picoclaw/pkg/agent/agent.go:621 > Response: …`.
const LOG_LINE = /^\d{2}:\d{2}:\d{2} (?:TRC|DBG|INF|WRN|ERR|FTL|PNC|\?\?\?) /;

/**
 * Picks PicoClaw's answer out of everything `picoclaw agent -m` printed on stdout, because
 * real PicoClaw prints its banner and log lines there too (unless PICOCLAW_LOG_FILE is set).
 *
 * The answer is the text after the last `🦞 ` that starts a line (a 🦞 inside a sentence is
 * not a marker), with one trailing newline (`\n` or `\r\n`) removed. Logger lines that come
 * after it (PicoClaw logs while shutting down when closing MCP servers fails) are not part of
 * the answer and are dropped. Output with no marker holds no answer (an error, a crash, a
 * kill before the end), so the reply is the empty string; the caller keeps the raw stdout.
 */
export function extractReply(stdout: string): string {
  const at = lastMarkerAtLineStart(stdout);
  if (at < 0) return "";
  let reply = stdout.slice(at + MARKER.length);
  const lines = reply.split("\n");
  let end = lines.length;
  if (lines[end - 1] === "") end--;
  while (end > 1 && LOG_LINE.test(lines[end - 1]!)) end--;
  if (end < lines.length) reply = lines.slice(0, end).join("\n") + "\n";
  return reply.replace(/\r?\n$/, "");
}

/**
 * Where PicoClaw's answer starts in its stdout (the line of its last marker), or the end when there
 * is none yet: what comes before is the banner, and PicoClaw's log lines belong in between.
 */
export function answerStart(stdout: string): number {
  const at = lastMarkerAtLineStart(stdout);
  return at < 0 ? stdout.length : at;
}

function lastMarkerAtLineStart(text: string): number {
  let at = text.lastIndexOf(MARKER);
  while (at > 0 && text[at - 1] !== "\n" && text[at - 1] !== "\r") {
    at = text.lastIndexOf(MARKER, at - 1);
  }
  return at;
}
