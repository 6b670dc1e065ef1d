interface Flight<T, A extends unknown[]> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  listeners: Set<(...args: A) => void>;
}

// Keyed by what the work produces (a cache file path): the file system is shared by the whole
// process, so the flights guarding it are too.
const flights = new Map<string, Flight<unknown, never[]>>();

/**
 * Runs `work` once for all concurrent callers with the same `key` and gives each the same
 * result, so 50 deploys of one release download its archive once. Each caller may leave with
 * its own `signal` without disturbing the others; the work's signal fires only when every
 * caller has left. `listener` receives what the work reports through `notify` (progress).
 * A key is free again as soon as its work settles.
 */
export function shareFlight<T, A extends unknown[]>(
  key: string,
  work: (signal: AbortSignal, notify: (...args: A) => void) => Promise<T>,
  signal?: AbortSignal,
  listener?: (...args: A) => void,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  let flight = flights.get(key) as Flight<T, A> | undefined;
  if (!flight) flight = startFlight(key, work);
  const joined = flight;
  joined.waiters++;
  if (listener) joined.listeners.add(listener);

  return new Promise<T>((resolve, reject) => {
    let left = false;
    const leave = (): void => {
      left = true;
      signal?.removeEventListener("abort", onAbort);
      if (listener) joined.listeners.delete(listener);
      joined.waiters--;
    };
    const onAbort = (): void => {
      if (left) return;
      leave();
      if (joined.waiters === 0) {
        if (flights.get(key) === (joined as unknown)) flights.delete(key);
        joined.controller.abort(signal!.reason);
      }
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    joined.promise.then(
      (value) => {
        if (left) return;
        leave();
        resolve(value);
      },
      (err: unknown) => {
        if (left) return;
        leave();
        reject(err);
      },
    );
  });
}

function startFlight<T, A extends unknown[]>(
  key: string,
  work: (signal: AbortSignal, notify: (...args: A) => void) => Promise<T>,
): Flight<T, A> {
  const controller = new AbortController();
  const listeners = new Set<(...args: A) => void>();
  const notify = (...args: A): void => {
    for (const l of listeners) l(...args);
  };
  const promise = Promise.resolve().then(() => work(controller.signal, notify));
  const flight: Flight<T, A> = { promise, controller, waiters: 0, listeners };
  flights.set(key, flight as unknown as Flight<unknown, never[]>);
  const release = (): void => {
    if (flights.get(key) === (flight as unknown)) flights.delete(key);
  };
  promise.then(release, release);
  return flight;
}
