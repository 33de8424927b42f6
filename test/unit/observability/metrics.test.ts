import { register as globalRegistry } from "prom-client";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";

const ARBITER_METRICS = {
  arbiter_consumed_total: "counter",
  arbiter_decisions_total: "counter",
  arbiter_escalations_total: "counter",
  arbiter_tickets_total: "counter",
  arbiter_dead_letters_total: "counter",
  arbiter_cache_hits_total: "counter",
  arbiter_cache_misses_total: "counter",
  arbiter_engine_errors_total: "counter",
  arbiter_engine_latency_seconds: "histogram",
  arbiter_engine_queue_depth: "gauge",
  arbiter_consumer_lag: "gauge",
  arbiter_paused_partitions: "gauge",
  arbiter_partition_pauses_total: "counter",
  arbiter_group_joins_total: "counter",
};

test("the worker's registry exposes every arbiter metric under its name and type, beside the process's default metrics", async () => {
  const text = await new WorkerMetrics().registry.metrics();
  for (const [name, type] of Object.entries(ARBITER_METRICS)) expect(text).toContain(`# TYPE ${name} ${type}\n`);
  expect(text).toContain("# TYPE process_resident_memory_bytes gauge\n");
  expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge\n");
  expect(text).toContain("# TYPE nodejs_gc_duration_seconds histogram\n");
});

test("value() reads one series whatever the label order, 0 before its first increment", async () => {
  const m = new WorkerMetrics();
  expect(await m.value("arbiter_decisions_total", { stage: "primary", action: "HIDE" })).toBe(0);
  m.decided.inc({ stage: "primary", action: "HIDE" });
  m.decided.inc({ action: "HIDE", stage: "primary" }, 2);
  m.decided.inc({ stage: "primary", action: "ALLOW" });
  expect(await m.value("arbiter_decisions_total", { action: "HIDE", stage: "primary" })).toBe(3);
  expect(await m.value("arbiter_decisions_total", { stage: "primary", action: "ALLOW" })).toBe(1);
  // A subset of the labels is not a series.
  expect(await m.value("arbiter_decisions_total", { stage: "primary" })).toBe(0);
  m.tickets.inc();
  expect(await m.value("arbiter_tickets_total")).toBe(1);
  m.lag.set({ partition: "2" }, 17);
  expect(await m.value("arbiter_consumer_lag", { partition: 2 })).toBe(17);
  await expect(m.value("arbiter_no_such_total")).rejects.toThrow(/no metric arbiter_no_such_total/);
});

test("value() reads a histogram's count, sum and buckets", async () => {
  const m = new WorkerMetrics();
  for (const v of [0.01, 0.3, 7]) m.engineLatency.observe(v);
  expect(await m.value("arbiter_engine_latency_seconds_count")).toBe(3);
  expect(await m.value("arbiter_engine_latency_seconds_sum")).toBeCloseTo(7.31);
  expect(await m.value("arbiter_engine_latency_seconds_bucket", { le: 0.05 })).toBe(1);
  expect(await m.value("arbiter_engine_latency_seconds_bucket", { le: 0.5 })).toBe(2);
  expect(await m.value("arbiter_engine_latency_seconds_bucket", { le: "+Inf" })).toBe(3);
});

test("workers in one process keep their own arbiter metrics and leave prom-client's global registry alone", async () => {
  const a = new WorkerMetrics();
  const b = new WorkerMetrics();
  a.deadLettered.inc({ reason: "OVERSIZED" });
  expect(await a.value("arbiter_dead_letters_total", { reason: "OVERSIZED" })).toBe(1);
  expect(await b.value("arbiter_dead_letters_total", { reason: "OVERSIZED" })).toBe(0);
  expect(globalRegistry.getMetricsAsArray()).toEqual([]);
});

test("the default process metrics are collected once per process, not once per worker", () => {
  // Each collectDefaultMetrics call starts an event-loop-delay monitor and a GC observer that are never stopped.
  const workers = Array.from({ length: 5 }, () => new WorkerMetrics());
  for (const name of ["nodejs_eventloop_lag_seconds", "nodejs_gc_duration_seconds", "process_resident_memory_bytes"]) {
    const first = workers[0]!.registry.getSingleMetric(name);
    expect(first).toBeDefined();
    for (const w of workers) expect(w.registry.getSingleMetric(name)).toBe(first);
  }
});

test("labels must be declared", () => {
  const m = new WorkerMetrics();
  expect(() => m.escalated.inc({ reason: "LOW_CONFIDENCE", policy: "spam" } as never)).toThrow(/not included in initial labelset/);
});
