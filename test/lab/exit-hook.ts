const cleanups = new Set<() => void>();
let hooked = false;

function cleanAll(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch (error) {
      process.stderr.write(`sshd-lab: cleanup on exit failed: ${(error as Error).message}\n`);
    }
  }
}

/**
 * Runs `cleanup` (synchronous) if the process ends before it is unregistered: on `exit`, and on SIGINT, SIGTERM
 * and SIGHUP, after which the signal is raised again so the process still dies of it. Returns the unregister.
 */
export function onExit(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on("exit", cleanAll);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      const onSignal = (): void => {
        cleanAll();
        process.off(signal, onSignal);
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      };
      process.on(signal, onSignal);
    }
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
