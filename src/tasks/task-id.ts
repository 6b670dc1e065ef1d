import { randomBytes } from "node:crypto";

/** Task ids are `t-<time base36>-<random hex>`: sortable, unguessable, safe as a file name. */
const TASK_ID = /^t-[a-z0-9]{6,12}-[a-f0-9]{8}$/;

/** A new task id. */
export function newTaskId(): string {
  return `t-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/**
 * Security: a task id becomes a directory name on a host, so anything but the exact shape
 * (no `/`, no `..`, no shell characters) is refused before it gets near a command line.
 */
export function isTaskId(value: string): boolean {
  return TASK_ID.test(value);
}
