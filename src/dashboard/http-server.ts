import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { Deps } from "../deps.js";
import { Feed, type FeedEvent, type FeedTimes } from "./feed.js";

/** A running dashboard: the URL to open (token included) and its stop. */
export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** Options of `picoclaw-fleet dashboard`. */
export interface DashboardOptions {
  /** The fleet page's HTML (dist/fleet-app.html). */
  page: string;
  /** Port on 127.0.0.1; default 0: a free one. */
  port?: number;
  times?: FeedTimes;
}

/** A comment line every so often keeps idle proxies and the browser from dropping the stream. */
const HEARTBEAT_MS = 15_000;

const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // The page carries its own CSP (scripts and styles by hash); this adds what a meta tag cannot say.
  "content-security-policy": "frame-ancestors 'none'",
};

/**
 * `picoclaw-fleet dashboard`: the fleet page and its live feed (server-sent events) on 127.0.0.1
 * only. Security: everything lives under a random 128-bit token in the path, compared in constant
 * time; any other path gets an empty 404, a Host header other than this loopback address an empty
 * 403 (no DNS rebinding), and no response carries CORS headers, so no other site can read it.
 */
export async function startDashboard(deps: Deps, options: DashboardOptions): Promise<Dashboard> {
  const token = randomBytes(16).toString("hex");
  const feed = new Feed(deps, options.times);
  const streams = new Set<ServerResponse>();
  let port = 0;
  // The page once, compressed: a browser fetches about a third of its bytes.
  const gzipped = gzipSync(options.page, { level: 9 });
  const page = (req: IncomingMessage, res: ServerResponse) => {
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    res.writeHead(200, { ...HEADERS, "content-type": "text/html; charset=utf-8", vary: "accept-encoding", ...(gzip ? { "content-encoding": "gzip" } : {}) });
    res.end(gzip ? gzipped : options.page);
  };
  const server = createServer((req, res) => {
    if (!allowedHost(req, port)) return end(res, 403);
    const [, first, rest, ...more] = (req.url ?? "/").split("?")[0]!.split("/");
    if (req.method !== "GET" || !sameToken(first ?? "", token) || more.length) return end(res, 404);
    if (rest === "") return page(req, res);
    if (rest === "events") return stream(req, res);
    end(res, 404);
  });
  const stream = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { ...HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    const send = (e: FeedEvent) => res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    for (const e of feed.snapshot()) send(e);
    const unsubscribe = feed.subscribe(send);
    const beat = setInterval(() => res.write(": still here\n\n"), HEARTBEAT_MS);
    streams.add(res);
    req.on("close", () => {
      clearInterval(beat);
      unsubscribe();
      streams.delete(res);
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  port = (server.address() as AddressInfo).port;
  feed.start();
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    close: async () => {
      feed.close();
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function end(res: ServerResponse, status: number): void {
  res.writeHead(status, HEADERS).end();
}

/** Only this server's own loopback names: a page elsewhere that resolves its name to 127.0.0.1 is refused. */
function allowedHost(req: IncomingMessage, port: number): boolean {
  return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
