import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the LED API stand-in received. */
export interface LedApiRequest {
  method: string;
  path: string;
  body: unknown;
}

/** A running stand-in of the appliance's led_api.py. */
export interface LedApi {
  /** `http://127.0.0.1:<port>`, as claw.led.url takes it. */
  url: string;
  requests: LedApiRequest[];
  close(): Promise<void>;
}

const ENDPOINTS = new Set(["/set_status", "/set_progress", "/pulse_success", "/pulse_error", "/clear"]);

/**
 * Starts a stand-in of ClusterClaw's LED API (led_api.py, port 7777) on 127.0.0.1:0: the POST
 * endpoints it offers answer `{"status":"ok"}`, everything else 404, and each request is recorded.
 */
export async function startLedApi(): Promise<LedApi> {
  const requests: LedApiRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const path = (req.url ?? "/").split("?")[0]!;
      requests.push({ method: req.method ?? "GET", path, body });
      const ok = req.method === "POST" && ENDPOINTS.has(path);
      res.writeHead(ok ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { status: "ok" } : { error: `no such endpoint: ${path}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
