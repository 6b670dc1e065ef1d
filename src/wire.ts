import { AuditLog } from "./audit/audit-log.js";
import type { FleetConfig } from "./config/schema.js";
import type { Deps } from "./deps.js";
import { Fleet } from "./fleet/fleet.js";
import type { Logger } from "./log.js";
import { teardownHost } from "./operations/teardown.js";
import { FanoutJournal } from "./tasks/fanout-journal.js";
import { TaskService } from "./tasks/task-service.js";
import { completionRecord } from "./tasks/completion.js";
import { Webhook } from "./tasks/webhook.js";

/** Builds the dependency set from a validated config: the one place the parts are joined. */
export function buildDeps(config: FleetConfig, configPath: string, logger: Logger): Deps {
  const fleet = new Fleet(config, logger);
  const webhook = new Webhook(config.defaults.webhook_url, logger);
  const deps: Deps = {
    config,
    configPath,
    fleet,
    logger,
    fanouts: new FanoutJournal(config.tasks.journal, config.tasks.journal_max_bytes),
    webhook,
    audit: new AuditLog(config.audit.path ?? AuditLog.besideJournal(config.tasks.journal), config.audit.max_bytes),
    tasks: new TaskService(config, fleet, logger, {
      teardown: async (host) => {
        const row = await teardownHost(deps, host, { purge: false });
        if (row.status !== "succeeded") throw new Error(row.error ?? `teardown ${row.status}`);
      },
      completed: (result, kind) => webhook.enabled && webhook.send(completionRecord(result, kind)),
    }),
  };
  return deps;
}
