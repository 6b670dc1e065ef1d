import { createServer, connect } from "node:net";

function bindable(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
    });
  });
}

/**
 * A port that is free on every one of `hosts` right now (bind :0 on the first, then check the rest).
 * Someone may take it before sshd binds it: the caller retries when sshd cannot bind.
 */
export async function freePort(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindable(hosts[0]!, 0);
    if (port === undefined) throw new Error(`cannot bind any port on ${hosts[0]}`);
    const others = await Promise.all(hosts.slice(1).map((h) => bindable(h, port)));
    if (others.every((p) => p !== undefined)) return port;
  }
  throw new Error(`no port is free on all of ${hosts.join(", ")}`);
}

/** A loopback port where nothing listens (bound once, then closed): a connection there is refused at once. */
export function closedPort(): Promise<number> {
  return freePort(["127.0.0.1"]);
}

/** Connects and reads up to the server's first line: resolves it when it starts with `SSH-`, else rejects. */
export function readBanner(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = "";
    const done = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(text.split("\n")[0]!.trim());
    };
    const timer = setTimeout(() => done(new Error(`no banner from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (!text.includes("\n")) return;
      done(text.startsWith("SSH-") ? undefined : new Error(`${host}:${port} greeted with ${JSON.stringify(text)}`));
    });
    socket.on("error", (error) => done(error));
    socket.on("close", () => done(new Error(`${host}:${port} closed before its banner`)));
  });
}
