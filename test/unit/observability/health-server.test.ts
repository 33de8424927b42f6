import type { Server } from "node:http";
import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusHistogramSample, type PrometheusSample } from "parse-prometheus-text-format";
import { startHealthServer } from "@arbiter/shared/observability/health-server.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(metrics: WorkerMetrics, probes = { ready: () => true, live: () => true }): Promise<string> {
  const { server, port } = await startHealthServer("127.0.0.1", 0, probes, metrics);
  servers.push(server);
  return `http://127.0.0.1:${port}`;
}

function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name} in /metrics`);
  return f;
}
const samples = (families: PrometheusFamily[], name: string): PrometheusSample[] => family(families, name).metrics as PrometheusSample[];

describe("GET /metrics", () => {
  it("serves the worker's metrics in the Prometheus text format, as a parser reads them", async () => {
    const metrics = new WorkerMetrics();
    metrics.consumed.inc({ topic: "posts" }, 40);
    metrics.decided.inc({ stage: "prefilter", action: "ALLOW" }, 24);
    metrics.decided.inc({ stage: "primary", action: "HIDE" });
    metrics.tickets.inc();
    metrics.lag.set({ partition: "0" }, 12);
    metrics.queueDepth.set(3);
    for (const v of [0.07, 0.4, 3]) metrics.engineLatency.observe(v);

    const url = await serve(metrics);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(metrics.registry.contentType);
    const families = parsePrometheusTextFormat(await response.text());

    expect(family(families, "arbiter_consumed_total").type).toBe("COUNTER");
    expect(samples(families, "arbiter_consumed_total")).toEqual([{ value: "40", labels: { topic: "posts" } }]);
    expect(samples(families, "arbiter_decisions_total")).toEqual(
      expect.arrayContaining([
        { value: "24", labels: { stage: "prefilter", action: "ALLOW" } },
        { value: "1", labels: { stage: "primary", action: "HIDE" } },
      ]),
    );
    expect(samples(families, "arbiter_tickets_total")).toEqual([{ value: "1" }]);
    expect(samples(families, "arbiter_escalations_total")).toEqual([]);
    expect(samples(families, "arbiter_consumer_lag")).toEqual([{ value: "12", labels: { partition: "0" } }]);
    expect(samples(families, "arbiter_engine_queue_depth")).toEqual([{ value: "3" }]);
    const latency = family(families, "arbiter_engine_latency_seconds");
    expect(latency.type).toBe("HISTOGRAM");
    const histogram = latency.metrics[0] as PrometheusHistogramSample;
    expect(histogram.count).toBe("3");
    expect(Number(histogram.sum)).toBeCloseTo(3.47);
    expect(histogram.buckets).toMatchObject({ "0.05": "0", "0.1": "1", "0.5": "2", "5": "3", "+Inf": "3" });
  });

  it('round-trips a label value holding ", \\ and a newline exactly', async () => {
    const metrics = new WorkerMetrics();
    const reason = 'bad "quote" \\ back\\slash\nnext line';
    metrics.deadLettered.inc({ reason });
    metrics.deadLettered.inc({ reason: "OVERSIZED" }, 2);
    const families = parsePrometheusTextFormat(await (await fetch(`${await serve(metrics)}/metrics`)).text());
    expect(samples(families, "arbiter_dead_letters_total")).toEqual(
      expect.arrayContaining([
        { value: "1", labels: { reason } },
        { value: "2", labels: { reason: "OVERSIZED" } },
      ]),
    );
  });

  it("includes the default process metrics", async () => {
    const families = parsePrometheusTextFormat(await (await fetch(`${await serve(new WorkerMetrics())}/metrics`)).text());
    const rss = samples(families, "process_resident_memory_bytes");
    expect(rss).toHaveLength(1);
    expect(Number(rss[0]!.value)).toBeGreaterThan(10 * 1024 * 1024);
    expect(family(families, "nodejs_eventloop_lag_seconds").type).toBe("GAUGE");
    expect(Number(samples(families, "nodejs_eventloop_lag_seconds")[0]!.value)).toBeGreaterThanOrEqual(0);
    expect(family(families, "nodejs_gc_duration_seconds").type).toBe("HISTOGRAM");
    expect(family(families, "process_cpu_seconds_total").type).toBe("COUNTER");
  });
});

describe("probes", () => {
  it("answers /healthz and /readyz from the probes and 404 elsewhere", async () => {
    let ready = false;
    const url = await serve(new WorkerMetrics(), { ready: () => ready, live: () => true });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${url}/readyz?verbose`)).status).toBe(200);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});

describe("a metrics port of its own (http.metricsPort)", () => {
  it("serves /metrics there alone; the probes' port answers /metrics 404 and keeps the probes", async () => {
    const metrics = new WorkerMetrics();
    metrics.consumed.inc({ topic: "posts" }, 3);
    const health = await startHealthServer("127.0.0.1", 0, { ready: () => true, live: () => true }, metrics, 0);
    try {
      expect(health.metricsPort).not.toBe(health.port);
      const probes = `http://127.0.0.1:${health.port}`;
      const scrape = `http://127.0.0.1:${health.metricsPort}`;
      expect((await fetch(`${probes}/healthz`)).status).toBe(200);
      expect((await fetch(`${probes}/readyz`)).status).toBe(200);
      expect((await fetch(`${probes}/metrics`)).status).toBe(404);
      const text = await (await fetch(`${scrape}/metrics`)).text();
      expect(text).toMatch(/arbiter_consumed_total\{topic="posts"\} 3/);
      expect((await fetch(`${scrape}/healthz`)).status).toBe(404);
    } finally {
      await health.close();
    }
  });
});
