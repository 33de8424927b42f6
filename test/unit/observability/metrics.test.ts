import { Counter, Histogram, WorkerMetrics } from "@arbiter/shared/observability/metrics.js";

test("counters keep label sets apart whatever the key order, and render Prometheus text", () => {
  const c = new Counter("x_total", "help");
  c.inc({ stage: "primary", action: "HIDE" });
  c.inc({ action: "HIDE", stage: "primary" }, 2);
  c.inc({ stage: "primary", action: "ALLOW" });
  expect(c.get({ action: "HIDE", stage: "primary" })).toBe(3);
  expect(c.get({ stage: "primary", action: "ALLOW" })).toBe(1);
  expect(c.render()).toEqual(["# HELP x_total help", "# TYPE x_total counter", 'x_total{action="HIDE",stage="primary"} 3', 'x_total{action="ALLOW",stage="primary"} 1']);
});

test("label values cannot break the exposition format", () => {
  const c = new Counter("y_total", "help");
  c.inc({ reason: 'a"b\nc' });
  expect(c.render()[2]).toBe('y_total{reason="a_b_c"} 1');
});

test("histograms count each observation in every bucket at or above it", () => {
  const h = new Histogram("lat_seconds", "help", [0.1, 1]);
  for (const v of [0.05, 0.5, 5]) h.observe(v);
  expect(h.render().slice(2)).toEqual(['lat_seconds_bucket{le="0.1"} 1', 'lat_seconds_bucket{le="1"} 2', 'lat_seconds_bucket{le="+Inf"} 3', "lat_seconds_sum 5.55", "lat_seconds_count 3"]);
});

test("the worker's metrics render with their names", () => {
  const m = new WorkerMetrics();
  m.deadLettered.inc({ reason: "OVERSIZED" });
  const text = m.render();
  expect(text).toContain('arbiter_dead_letters_total{reason="OVERSIZED"} 1');
  expect(text).toContain("# TYPE arbiter_engine_latency_seconds histogram");
});
