/**
 * For `teardown: true` over many tasks: counts each host's tasks of one call down as they end, so
 * that only the host's last task tears PicoClaw down, never from under the others still running or
 * queued there. `hostCountdown(hosts)(host)` gives a task's question, asked once as it ends.
 */
export function hostCountdown(hosts: string[]): (host: string) => () => boolean {
  const left = new Map<string, number>();
  for (const host of hosts) left.set(host, (left.get(host) ?? 0) + 1);
  return (host) => () => {
    const n = (left.get(host) ?? 1) - 1;
    left.set(host, n);
    return n === 0;
  };
}
