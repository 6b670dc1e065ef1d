/** A failure of the LED layer, kept apart from MCP so the `led` verb and the tool report it alike. */
export class ClawError extends Error {
  override name = "ClawError";
}
