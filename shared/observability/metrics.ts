import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from "prom-client";

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, RSS, heap, handles, event-loop lag, GC), collected once per
 * process: each `collectDefaultMetrics` call starts an event-loop-delay monitor and a GC observer
 * that nothing stops, so every worker's registry shares these metric objects instead.
 */
function processMetrics(): Metric[] {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  const registry = processRegistry;
  return registry.getMetricsAsArray().map((m) => registry.getSingleMetric(m.name)!);
}

/**
 * The worker's metrics, in a prom-client registry of their own (several workers may share a
 * process, as in the tests) that also holds the process's default metrics.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];

  readonly consumed = new Counter({ name: "arbiter_consumed_total", help: "Records consumed", labelNames: ["topic"] as const, registers: this.registers });
  readonly decided = new Counter({
    name: "arbiter_decisions_total",
    help: "Decisions published, by stage and action",
    labelNames: ["stage", "action"] as const,
    registers: this.registers,
  });
  readonly escalated = new Counter({
    name: "arbiter_escalations_total",
    help: "Posts escalated, by reason",
    labelNames: ["reason"] as const,
    registers: this.registers,
  });
  readonly tickets = new Counter({ name: "arbiter_tickets_total", help: "Tickets raised for moderators", registers: this.registers });
  readonly deadLettered = new Counter({
    name: "arbiter_dead_letters_total",
    help: "Records sent to the dead-letter topic, by reason",
    labelNames: ["reason"] as const,
    registers: this.registers,
  });
  readonly cacheHits = new Counter({ name: "arbiter_cache_hits_total", help: "Verdict cache hits", registers: this.registers });
  readonly cacheMisses = new Counter({ name: "arbiter_cache_misses_total", help: "Verdict cache misses (including Redis errors)", registers: this.registers });
  readonly engineErrors = new Counter({
    name: "arbiter_engine_errors_total",
    help: "Engine call failures, by error class",
    labelNames: ["error"] as const,
    registers: this.registers,
  });
  readonly engineLatency = new Histogram({
    name: "arbiter_engine_latency_seconds",
    help: "Engine call latency",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: this.registers,
  });
  readonly queueDepth = new Gauge({ name: "arbiter_engine_queue_depth", help: "Engine requests waiting for a sequence", registers: this.registers });
  readonly lag = new Gauge({
    name: "arbiter_consumer_lag",
    help: "Records behind the partition's high watermark at the last batch",
    labelNames: ["partition"] as const,
    registers: this.registers,
  });
  readonly pausedPartitions = new Gauge({ name: "arbiter_paused_partitions", help: "Partitions paused for backpressure", registers: this.registers });
  readonly partitionPauses = new Counter({
    name: "arbiter_partition_pauses_total",
    help: "Times a partition was paused because the model stage was full (kafka.maxInFlight posts held, or the engine queue at capacity)",
    registers: this.registers,
  });
  readonly auditSamples = new Counter({
    name: "arbiter_audit_samples_total",
    help: "Funnel audit samples: posts the prefilter allowed that the model read at the lowest priority, by policy and the model's verdict (violate: a prefilter miss)",
    labelNames: ["policy", "verdict"] as const,
    registers: this.registers,
  });
  readonly auditMissRate = new Gauge({
    name: "arbiter_prefilter_miss_rate",
    help: "Estimated share of the posts the prefilter allows that the model says violate, per policy, from the audit samples: the estimate and its 95 % Wilson interval (bound low/high)",
    labelNames: ["policy", "bound"] as const,
    registers: this.registers,
  });
  readonly auditSamplesDropped = new Counter({
    name: "arbiter_audit_samples_dropped_total",
    help: "Audit samples not taken, by reason: backlog (the sample queue was full), failed (the engine failed), preempted (stopped for a post the worker must decide, then tried again)",
    labelNames: ["reason"] as const,
    registers: this.registers,
  });
  readonly secondLookPosts = new Counter({
    name: "arbiter_second_look_posts_total",
    help: "Second look: posts the prefilter allowed, by forum and result: seen (taken from the posts topic), reviewed (the model read it), skipped (older than secondLook.maxAgeMinutes when its turn came), failed (the engine failed; the prefilter's allow stands)",
    labelNames: ["forum", "result"] as const,
    registers: this.registers,
  });
  readonly secondLookAllows = new Counter({
    name: "arbiter_second_look_allows_total",
    help: "Second look: the prefilter's allows per policy (one per post and policy), by result: seen or reviewed",
    labelNames: ["policy", "result"] as const,
    registers: this.registers,
  });
  readonly secondLookViolations = new Counter({
    name: "arbiter_second_look_violations_total",
    help: "Second look: violations the model found in posts the prefilter allowed (the funnel's measured misses), by policy",
    labelNames: ["policy"] as const,
    registers: this.registers,
  });
  readonly secondLookLag = new Gauge({
    name: "arbiter_second_look_lag_seconds",
    help: "Second look: age of the oldest allow taken on and not yet reviewed (0: none waits)",
    registers: this.registers,
  });
  readonly groupJoins = new Counter({
    name: "arbiter_group_joins_total",
    help: "Times this worker (re)joined its consumer group: a climbing count means rebalances",
    registers: this.registers,
  });

  constructor() {
    for (const metric of processMetrics()) this.registry.registerMetric(metric);
  }

  /**
   * The current value of one series, 0 when it has none yet (for tests and the bench). `name` is a
   * metric's name or a histogram's `_count`/`_sum`/`_bucket` series; `labels` must match exactly.
   */
  async value(name: string, labels: Record<string, string | number> = {}): Promise<number> {
    const metricName = this.registry.getSingleMetric(name) ? name : name.replace(/_(count|sum|bucket)$/, "");
    const metric = this.registry.getSingleMetric(metricName);
    if (!metric) throw new Error(`no metric ${name}`);
    const wanted = Object.entries(labels);
    const sample = (await metric.get()).values.find((v) => {
      const series = "metricName" in v && v.metricName !== undefined ? v.metricName : metricName;
      const have = v.labels as Record<string, string | number | undefined>;
      return series === name && Object.keys(have).length === wanted.length && wanted.every(([k, x]) => Object.hasOwn(have, k) && String(have[k]) === String(x));
    });
    return sample?.value ?? 0;
  }
}
