import type { FleetConfig } from "./config/schema.js";
import type { Deps } from "./deps.js";
import { Fleet } from "./fleet/fleet.js";
import type { Logger } from "./log.js";
import { teardownHost } from "./operations/teardown.js";
import { TaskService } from "./tasks/task-service.js";

/** Builds the dependency set from a validated config: the one place the parts are joined. */
export function buildDeps(config: FleetConfig, configPath: string, logger: Logger): Deps {
  const fleet = new Fleet(config, logger);
  const deps: Deps = {
    config,
    configPath,
    fleet,
    logger,
    tasks: new TaskService(config, fleet, logger, {
      teardown: async (host) => {
        const row = await teardownHost(deps, host, { purge: false });
        if (row.status !== "succeeded") throw new Error(row.error ?? `teardown ${row.status}`);
      },
    }),
  };
  return deps;
}
