import type { Client, ClientChannel } from "ssh2";
import { asFleetError, type ExecHandle, type ExecSink } from "./exec-session.js";
import { PidMarker } from "./pid-marker.js";
import { feedStdin } from "./stdin.js";
import { FleetError, type ExecOptions } from "./types.js";

// The channels of one ssh2 connection: opening them through sshd's MaxSessions, running a command
// on one, killing what it started, and writing to several in one go (see SshTransport).

/**
 * Opens a channel, waiting out sshd's MaxSessions: sshd counts a closed session until it has
 * reaped its process, so a refusal right after a close is retried with backoff, not reported.
 */
export async function openChannel<T>(host: string, open: (cb: (err: Error | undefined, channel: T) => void) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<T>((resolve, reject) => open((err, channel) => (err ? reject(err) : resolve(channel))));
    } catch (err) {
      if (!/open failed/i.test((err as Error).message) || attempt >= 30) throw asFleetError(err, host);
      await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 500)));
    }
  }
}

/** Runs `command` on a channel of its own, its output and end handed to `sink`; its kill reaches its whole process group. */
export async function startExec(client: Client, host: string, command: string, options: ExecOptions, sink: ExecSink): Promise<ExecHandle> {
  const marker = new PidMarker();
  // Listeners go on inside ssh2's callback: a fast command's exit status can arrive in the same
  // read as the channel confirmation, and would be missed one microtask later.
  const attach = (channel: ClientChannel) => {
    // ssh2 reports the exit status before the last output is delivered: remember it, finish on close.
    let exit: { code: number | null; signal: string | null } | undefined;
    channel.on("data", (chunk: Buffer) => sink.stdout(chunk));
    channel.stderr.on("data", (chunk: Buffer) => {
      const rest = marker.take(chunk);
      if (rest.length) sink.stderr(rest);
    });
    channel.on("exit", (code: number | null, signal?: string) => {
      exit = { code: code ?? null, signal: signal ?? null };
    });
    channel.on("close", () => {
      if (exit) sink.exit(exit.code, exit.signal);
      else sink.fail(new FleetError("disconnected", `Connection to ${host} dropped while the command ran`, host));
    });
  };
  const channel = await openChannel<ClientChannel>(host, (cb) =>
    client.exec(marker.wrap(command), (err, ch) => {
      if (!err) attach(ch);
      cb(err, ch);
    }),
  );
  feedStdin(channel, options);
  return {
    kill: async () => {
      const pid = await marker.pid(1000);
      // Security: pid is digits parsed from our own marker line, never text from the command.
      if (pid) await killGroup(client, pid);
      channel.close();
    },
  };
}

/** TERM, then KILL, a command's whole process group, over a channel of its own. */
function killGroup(client: Client, pid: number): Promise<void> {
  const script = `kill -TERM -${pid} 2>/dev/null; for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 -${pid} 2>/dev/null || exit 0; sleep 0.1; done; kill -KILL -${pid} 2>/dev/null; exit 0`;
  return new Promise((resolve) => {
    client.exec(script, (err, stream) => {
      if (err) return resolve();
      stream.on("close", () => resolve()).resume();
      stream.stderr.resume();
    });
  });
}

/** Runs `work` with the connection's socket corked, so what it writes to any channel goes out in one write. */
export function corked(client: Client, work: () => void): void {
  // ssh2 keeps its socket (or, through a jump host, the tunnel's stream) as _sock; both can cork.
  const sock = (client as unknown as { _sock?: { cork?: () => void; uncork?: () => void } })._sock;
  sock?.cork?.();
  try {
    work();
  } finally {
    sock?.uncork?.();
  }
}
