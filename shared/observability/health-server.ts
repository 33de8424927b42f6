import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WorkerMetrics } from "./metrics.js";

export interface HealthProbes {
  /** Joined the consumer group, engine loaded: send traffic. */
  ready(): boolean;
  /** The process makes progress: do not restart it. */
  live(): boolean;
  /** Lines /readyz adds after its verdict (e.g. where the policies in force came from). */
  readyDetail?(): string[];
}

export interface HealthServer {
  server: Server;
  port: number;
  /** The port /metrics is served on: `port` unless a metrics port of its own was asked for. */
  metricsPort: number;
  /** Closes the server (and the metrics server, when there is one). */
  close(): Promise<void>;
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * GET /healthz (liveness), /readyz (readiness, then its detail lines), /metrics (Prometheus
 * text). With `metricsPort` (`http.metricsPort`), /metrics is served there alone and the
 * probes' port answers it 404, so each can be opened to whom needs it.
 */
export async function startHealthServer(host: string, port: number, probes: HealthProbes, metrics: WorkerMetrics, metricsPort?: number): Promise<HealthServer> {
  const separate = metricsPort !== undefined;
  const serveMetrics = (res: ServerResponse) =>
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${error.message}\n`),
    );
  const server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url === "/metrics" && !separate) {
      void serveMetrics(res);
      return;
    }
    const probe = url === "/healthz" ? probes.live() : url === "/readyz" ? probes.ready() : null;
    if (probe === null) {
      res.writeHead(404).end("not found\n");
      return;
    }
    const detail =
      url === "/readyz" && probes.readyDetail
        ? probes
            .readyDetail()
            .map((line) => `${line}\n`)
            .join("")
        : "";
    res.writeHead(probe ? 200 : 503, { "content-type": "text/plain" }).end(`${probe ? "ok" : "not ok"}\n${detail}`);
  });
  const bound = await listen(server, host, port);
  if (!separate) return { server, port: bound, metricsPort: bound, close: () => closeServer(server) };
  const metricsServer = createServer((req, res) => {
    if ((req.url ?? "/").split("?")[0] === "/metrics") void serveMetrics(res);
    else res.writeHead(404).end("not found\n");
  });
  let metricsBound: number;
  try {
    metricsBound = await listen(metricsServer, host, metricsPort);
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  return { server, port: bound, metricsPort: metricsBound, close: async () => void (await Promise.all([closeServer(server), closeServer(metricsServer)])) };
}
