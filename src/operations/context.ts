import type { Confirm } from "./confirm.js";

/**
 * Callbacks from the door (MCP or CLI) to an operation: plain functions and a signal, never
 * protocol objects. A file of its own, so that operations share it without importing each other.
 */
export interface OperationContext {
  signal?: AbortSignal | undefined;
  progress?: ((progress: number, total?: number, message?: string) => void) | undefined;
  /** Asks the person to confirm a large destructive call (policy.confirm_above); absent when the door cannot ask. */
  confirm?: Confirm | undefined;
}
