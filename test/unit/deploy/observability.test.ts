// The Grafana dashboard and the Prometheus alert rules read only metrics a worker exports.
// PromQL is not parsed (no parser in the dependencies): metric names are the identifiers of the
// families Arbiter exports (arbiter_*, process_*, nodejs_*) and `up`, outside string literals.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { repoRoot } from "../../support/env.js";

const dashboardPath = path.join(repoRoot, "deploy/grafana/arbiter-dashboard.json");
const rulesPath = path.join(repoRoot, "deploy/prometheus/arbiter-alerts.yaml");

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ refId: string; expr: string }>;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: unknown }> };
}
interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const dashboard = JSON.parse(readFileSync(dashboardPath, "utf8")) as Dashboard;
const rules = (parse(readFileSync(rulesPath, "utf8")) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);

/** Series Prometheus makes itself for every target: never in a worker's registry. */
const SCRAPE_SERIES = new Set(["up"]);

/** The metric names an expression reads; a histogram's `_bucket`/`_sum`/`_count` series as their histogram. */
function metricNames(expr: string, histograms: ReadonlySet<string>): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const names = [...code.matchAll(/(?<![\w:$.])(arbiter_\w+|process_\w+|nodejs_\w+|up)(?![\w:])/g)].map((m) => m[1]!);
  return names.map((name) => {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return base !== name && histograms.has(base) ? base : name;
  });
}

function dashboardExprs(): Array<{ where: string; expr: string }> {
  const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })));
  const variables = dashboard.templating.list.flatMap((v) => {
    const query = typeof v.query === "string" ? v.query : (v.query as { query?: string } | undefined)?.query;
    return query && v.name !== "datasource" ? [{ where: `variable ${v.name}`, expr: query }] : [];
  });
  return [...panels, ...variables];
}

async function exported(): Promise<{ names: Set<string>; histograms: Set<string> }> {
  const metrics = await new WorkerMetrics().registry.getMetricsAsJSON();
  // prom-client declares `type` as an enum but fills it with strings ("histogram").
  return { names: new Set(metrics.map((m) => m.name)), histograms: new Set(metrics.filter((m) => String(m.type) === "histogram").map((m) => m.name)) };
}

test("the name extraction reads metrics, maps histogram series to their histogram and skips string literals", () => {
  const histograms = new Set(["arbiter_engine_latency_seconds"]);
  expect(
    metricNames('histogram_quantile(0.9, sum by (le) (rate(arbiter_engine_latency_seconds_bucket{job=~"arbiter_not_a_metric"}[5m]))) / up', histograms),
  ).toEqual(["arbiter_engine_latency_seconds", "up"]);
  expect(metricNames("rate(nodejs_gc_duration_seconds_count[1m]) + process_cpu_seconds_total", histograms)).toEqual([
    "nodejs_gc_duration_seconds_count",
    "process_cpu_seconds_total",
  ]);
  expect(metricNames("$__rate_interval and {{role}} and my_up_metric", histograms)).toEqual([]);
});

test("every metric the dashboard and the alert rules read is one a worker exports (or `up`)", async () => {
  const { names, histograms } = await exported();
  const sources = [...dashboardExprs(), ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))];
  const missing = sources.flatMap(({ where, expr }) =>
    metricNames(expr, histograms)
      .filter((n) => !names.has(n) && !SCRAPE_SERIES.has(n))
      .map((n) => `${where}: ${n}`),
  );
  expect(missing).toEqual([]);
  // The check saw the expressions at all.
  expect(sources.length).toBeGreaterThan(20);
});

test("the dashboard shows throughput, decisions, escalations, dead letters, lag, engine latency and errors, queue depth and the cache", async () => {
  const { histograms } = await exported();
  const read = new Set(dashboardExprs().flatMap(({ expr }) => metricNames(expr, histograms)));
  for (const name of [
    "arbiter_consumed_total",
    "arbiter_decisions_total",
    "arbiter_escalations_total",
    "arbiter_tickets_total",
    "arbiter_dead_letters_total",
    "arbiter_consumer_lag",
    "arbiter_engine_latency_seconds",
    "arbiter_engine_errors_total",
    "arbiter_engine_queue_depth",
    "arbiter_cache_hits_total",
    "arbiter_cache_misses_total",
  ])
    expect({ name, shown: read.has(name) }).toEqual({ name, shown: true });
});

test("the dashboard's panels have unique ids, fit the 24-column grid and each query has a refId", () => {
  const ids = dashboard.panels.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const p of dashboard.panels) {
    expect({ title: p.title, fits: p.gridPos.x + p.gridPos.w <= 24 }).toEqual({ title: p.title, fits: true });
    if (p.type !== "row")
      expect({ title: p.title, queries: (p.targets ?? []).filter((t) => t.expr && t.refId).length > 0 }).toEqual({ title: p.title, queries: true });
  }
  expect(dashboard.uid).toBe("arbiter-overview");
});

test("alert rules cover lag, dead letters, engine errors and a worker down, each with a duration, a severity and a summary", async () => {
  const { histograms } = await exported();
  const reads = (alert: string) => metricNames(rules.find((r) => r.alert === alert)?.expr ?? "", histograms);
  expect(reads("ArbiterConsumerLagGrowing")).toContain("arbiter_consumer_lag");
  expect(reads("ArbiterDeadLetters")).toContain("arbiter_dead_letters_total");
  expect(reads("ArbiterEngineErrors")).toContain("arbiter_engine_errors_total");
  expect(reads("ArbiterWorkerDown")).toEqual(["up"]);
  for (const rule of rules) {
    expect({ alert: rule.alert, for: rule.for }).toEqual({ alert: rule.alert, for: expect.stringMatching(/^\d+[smh]$/) });
    expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({ alert: rule.alert, severity: expect.stringMatching(/^(warning|critical)$/) });
    expect({ alert: rule.alert, summary: typeof rule.annotations?.summary }).toEqual({ alert: rule.alert, summary: "string" });
  }
});
