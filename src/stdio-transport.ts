import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/**
 * The SDK's stdio transport, sending one message at a time. Its `send` waits for stdout's `drain`
 * with a listener per message, so 50 large answers at once while the client reads slowly put 50
 * listeners on stdout and Node printed a MaxListenersExceededWarning on the person's terminal.
 * Queued here, at most one message waits for `drain`; the order on the wire is the same.
 */
export class SerialStdioTransport extends StdioServerTransport {
  private last: Promise<void> = Promise.resolve();

  override send(message: JSONRPCMessage): Promise<void> {
    const sent = this.last.then(() => super.send(message));
    this.last = sent.catch(() => undefined);
    return sent;
  }
}
