import { httpBackend } from "./http-backend.js";
import { simBackend } from "./sim-backend.js";
import { sshBackend } from "./ssh-backend.js";
import { localStatePath } from "./state-file.js";
import type { ClawDeps, LedBackend } from "./led-types.js";

/** The backend `claw.led.backend` names, built from the config each time (cheap: no connection is opened here). */
export function createLedBackend(deps: ClawDeps): LedBackend {
  const led = deps.config.claw.led;
  switch (led.backend) {
    case "sim":
      return simBackend(localStatePath(led.state_file));
    case "http":
      return httpBackend(led.url, localStatePath(led.state_file));
    case "ssh":
      return sshBackend(deps);
  }
}
