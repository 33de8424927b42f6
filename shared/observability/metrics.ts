/** A small Prometheus registry: counters, gauges and histograms with labels, text exposition. */

type Labels = Record<string, string>;

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/["\\\n]/g, "_")}"`).join(",");
}

// inc() runs per record: remember each label set's rendering by its values (label names are
// fixed per call site), so the hot path does one string join and a Map lookup.
const rendered = new Map<string, string>();
function labelKey(labels: Labels): string {
  let id = "";
  for (const k in labels) id += `${k}\u0000${labels[k]}\u0001`;
  let key = rendered.get(id);
  if (key === undefined) {
    key = renderLabels(labels);
    if (rendered.size < 10_000) rendered.set(id, key);
  }
  return key;
}

interface Metric {
  name: string;
  help: string;
  render(): string[];
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`)];
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect?: () => number,
  ) {}
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    if (this.collect) this.values.set("", this.collect());
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, ...[...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`)];
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i]!++;
    });
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.buckets.map((le, i) => `${this.name}_bucket{le="${le}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

/** The worker's metrics. */
export class WorkerMetrics {
  readonly consumed = new Counter("arbiter_consumed_total", "Records consumed");
  readonly decided = new Counter("arbiter_decisions_total", "Decisions published, by stage and action");
  readonly escalated = new Counter("arbiter_escalations_total", "Posts escalated, by reason");
  readonly tickets = new Counter("arbiter_tickets_total", "Tickets raised for moderators");
  readonly deadLettered = new Counter("arbiter_dead_letters_total", "Records sent to the dead-letter topic, by reason");
  readonly cacheHits = new Counter("arbiter_cache_hits_total", "Verdict cache hits");
  readonly cacheMisses = new Counter("arbiter_cache_misses_total", "Verdict cache misses (including Redis errors)");
  readonly engineErrors = new Counter("arbiter_engine_errors_total", "Engine call failures, by error class");
  readonly engineLatency = new Histogram("arbiter_engine_latency_seconds", "Engine call latency", [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]);
  readonly queueDepth = new Gauge("arbiter_engine_queue_depth", "Engine requests waiting for a sequence");
  readonly lag = new Gauge("arbiter_consumer_lag", "Records behind the partition's high watermark at the last batch");
  readonly pausedPartitions = new Gauge("arbiter_paused_partitions", "Partitions paused for backpressure");
  readonly partitionPauses = new Counter("arbiter_partition_pauses_total", "Times a partition was paused because the engine queue was full");
  readonly groupJoins = new Counter("arbiter_group_joins_total", "Times this worker (re)joined its consumer group: a climbing count means rebalances");

  private readonly all: Metric[] = [
    this.consumed, this.decided, this.escalated, this.tickets, this.deadLettered, this.cacheHits, this.cacheMisses,
    this.engineErrors, this.engineLatency, this.queueDepth, this.lag, this.pausedPartitions, this.partitionPauses, this.groupJoins,
  ];

  render(): string {
    return this.all.flatMap((m) => m.render()).join("\n") + "\n";
  }
}
