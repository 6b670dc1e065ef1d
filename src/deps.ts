import type { FleetConfig } from "./config/schema.js";
import type { Fleet } from "./fleet/fleet.js";
import type { Logger } from "./log.js";
import type { AuditLog } from "./audit/audit-log.js";
import type { FanoutJournal } from "./tasks/fanout-journal.js";
import type { TaskService } from "./tasks/task-service.js";
import type { Webhook } from "./tasks/webhook.js";

/**
 * What every operation needs, passed in rather than held in module globals, so a test builds a
 * whole server (or CLI run) around a lab fleet in one line.
 */
export interface Deps {
  config: FleetConfig;
  /** Where the config was read from (shown to people, never re-read behind their back). */
  configPath: string;
  fleet: Fleet;
  logger: Logger;
  /** Runs and follows PicoClaw tasks (remote task directories and the local journal). */
  tasks: TaskService;
  /** What each fan-out (and dispatch) was asked to do, for `retry`. */
  fanouts: FanoutJournal;
  /** The hash-chained record of every host-touching call. */
  audit: AuditLog;
  /** Pushes completion records to defaults.webhook_url (a no-op without one). */
  webhook: Webhook;
}
