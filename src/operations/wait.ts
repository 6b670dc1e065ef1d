/**
 * Waits for results until all are in, `waitMs` has passed, or `signal` fires, whichever is
 * first; `onEach` sees each result as it lands. Returns the results in order, undefined where one
 * is not in yet. Long work goes on after this returns: MCP clients give up after about 60 s.
 */
export async function settleWithin<T>(
  promises: Promise<T>[],
  waitMs: number,
  signal: AbortSignal | undefined,
  onEach?: (value: T, index: number) => void,
): Promise<(T | undefined)[]> {
  const values: (T | undefined)[] = promises.map(() => undefined);
  let left = promises.length;
  if (left === 0) return values;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    const onAbort = () => resolve();
    signal?.addEventListener("abort", onAbort, { once: true });
    promises.forEach((p, i) =>
      p.then((v) => {
        values[i] = v;
        onEach?.(v, i);
        if (--left === 0) {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }
      }),
    );
  });
  return values;
}
