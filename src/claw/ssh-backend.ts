import { createHash } from "node:crypto";
import { z } from "zod";
import { quote, remotePath } from "../fleet/shell.js";
import type { ExecResult, HostTransport } from "../fleet/types.js";
import type { ClawDeps, LedBackend } from "./led-types.js";
import { BLINKT_DRIVER } from "./blinkt-driver.js";
import { ClawError } from "./claw-error.js";
import { DEFAULT_STATE_FILE } from "./state-file.js";
import { planAction, PIXEL_COUNT } from "./strip.js";

const DRIVER_DIR = "~/.local/share/picoclaw-fleet";
const DRIVER_SHA256 = createHash("sha256").update(BLINKT_DRIVER).digest("hex");
// Named by its checksum: a changed driver is a new file, so it is uploaded exactly when it changed.
const DRIVER_PATH = `${DRIVER_DIR}/blinkt-driver-${DRIVER_SHA256.slice(0, 16)}.py`;
/** Exit status of the launcher when the driver is missing or its checksum differs. */
const NEEDS_UPLOAD = 97;
const EXEC_TIMEOUT_MS = 30_000;

const driverOutput = z.object({
  pixels: z.array(z.object({ index: z.number(), r: z.number(), g: z.number(), b: z.number(), brightness: z.number() })).length(PIXEL_COUNT),
  frame: z.string(),
  mode: z.enum(["gpio", "sim"]),
});

/**
 * The `ssh` backend: drives the Blinkt! on claw.host through a small Python driver uploaded once
 * (checksummed, re-uploaded only when it changed). The patch travels as JSON on stdin; the host
 * keeps the last state, so `get` reports what the strip shows.
 */
export function sshBackend(deps: ClawDeps): LedBackend {
  const { host, led } = deps.config.claw;
  if (!host) throw new ClawError("claw.host is not set: name the ClusterClaw host from hosts in claw.host to use the ssh LED backend");
  // Security: every config value reaching the remote shell is quoted; the patch goes on stdin, never argv.
  const command = [
    `d=${remotePath(DRIVER_PATH)};`,
    `if [ ! -f "$d" ] || { command -v sha256sum >/dev/null 2>&1 && [ "$(sha256sum < "$d" | cut -d' ' -f1)" != ${DRIVER_SHA256} ]; }; then exit ${NEEDS_UPLOAD}; fi;`,
    `exec python3 "$d" --state ${remotePath(led.state_file ?? DEFAULT_STATE_FILE)} --chip ${quote(led.chip)} --data ${led.data_pin} --clock ${led.clock_pin}`,
  ].join(" ");
  return {
    name: "ssh",
    perPixel: true,
    async run(req, signal) {
      const stdin = JSON.stringify(planAction(req));
      const transport = await reach(() => deps.fleet.transport(host), host);
      let result = await reach(() => transport.exec(command, { stdin, signal, timeoutMs: EXEC_TIMEOUT_MS }), host);
      if (result.exitCode === NEEDS_UPLOAD) {
        await upload(transport, host, signal);
        deps.logger.info({ host, driver: DRIVER_PATH }, "LED driver uploaded");
        result = await reach(() => transport.exec(command, { stdin, signal, timeoutMs: EXEC_TIMEOUT_MS }), host);
      }
      const out = parseOutput(result, host);
      return { backend: "ssh", pixels: out.pixels, frame: out.frame, driver: out.mode };
    },
  };
}

async function upload(transport: HostTransport, host: string, signal?: AbortSignal): Promise<void> {
  // Security: fixed paths only; the old drivers are ours (named blinkt-driver-<sha>.py).
  const prepare = `mkdir -p ${remotePath(DRIVER_DIR)} && rm -f ${remotePath(DRIVER_DIR)}/blinkt-driver-*.py`;
  parseStatus(await reach(() => transport.exec(prepare, { signal, timeoutMs: EXEC_TIMEOUT_MS }), host), host, "preparing the LED driver directory");
  await reach(() => transport.writeFile(DRIVER_PATH, BLINKT_DRIVER, 0o755, signal), host);
}

function parseOutput(result: ExecResult, host: string): z.infer<typeof driverOutput> {
  parseStatus(result, host, "the LED driver");
  const lastLine = result.stdout.trim().split("\n").pop() ?? "";
  let json: unknown;
  try {
    json = JSON.parse(lastLine);
  } catch {
    json = undefined;
  }
  const parsed = driverOutput.safeParse(json);
  if (!parsed.success) throw new ClawError(`LED driver on ${host} answered something else than its state: ${JSON.stringify(lastLine.slice(0, 200))}`);
  return parsed.data;
}

function parseStatus(result: ExecResult, host: string, what: string): void {
  if (result.failure) throw new ClawError(`LED host ${host} failed running ${what}: ${result.failure.message}`);
  if (result.exitCode === 127) throw new ClawError(`python3 not found on ${host}: the ssh LED backend needs python3 (and python3-libgpiod for the strip)`);
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split("\n").pop() || `exit ${result.exitCode}`;
    throw new ClawError(`LED driver failed on ${host}: ${reason}`);
  }
}

// A transport call whose own failure (unknown host, SSH refused) becomes a ClawError naming the LED host.
async function reach<T>(call: () => T | Promise<T>, host: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new ClawError(`LED host ${host} unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
}
