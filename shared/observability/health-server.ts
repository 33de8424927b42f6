import { createServer, type Server } from "node:http";
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

/** GET /healthz (liveness), /readyz (readiness, then its detail lines), /metrics (Prometheus text). */
export async function startHealthServer(host: string, port: number, probes: HealthProbes, metrics: WorkerMetrics): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${error.message}\n`),
      );
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
