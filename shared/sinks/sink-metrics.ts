import { Counter } from "prom-client";
import { WorkerMetrics } from "../observability/metrics.js";

/** The runner's metrics plus what the sinks and the console count, in one registry (one /metrics). */
export class SinkMetrics extends WorkerMetrics {
  private readonly sinkRegisters = [this.registry];

  readonly calls = new Counter({
    name: "arbiter_sink_calls_total",
    help: "HTTP calls of the sinks, by call and outcome (ok, retry, rejected, gave-up)",
    labelNames: ["call", "outcome"] as const,
    registers: this.sinkRegisters,
  });
  readonly skipped = new Counter({
    name: "arbiter_sink_skipped_total",
    help: "Records a sink did not act on, and pages not sent, by reason (duplicate, human-decided, no-change, page-post-limit, page-forum-limit, tombstone)",
    labelNames: ["reason"] as const,
    registers: this.sinkRegisters,
  });
  readonly rateLimitWait = new Counter({
    name: "arbiter_sink_rate_limit_wait_seconds_total",
    help: "Time forum calls waited for the per-forum rate limit",
    registers: this.sinkRegisters,
  });
  readonly delivered = new Counter({
    name: "arbiter_tickets_delivered_total",
    help: "Tickets delivered, by channel (webhook, platform, stream)",
    labelNames: ["channel"] as const,
    registers: this.sinkRegisters,
  });
  readonly recorded = new Counter({
    name: "arbiter_record_written_total",
    help: "Records the record worker wrote to the store of record (an upsert by record id), by kind (decision, audit, ticket, appeal)",
    labelNames: ["kind"] as const,
    registers: this.sinkRegisters,
  });
  readonly moderatorActions = new Counter({
    name: "arbiter_console_actions_total",
    help: "Moderator actions in the console, by kind",
    labelNames: ["action"] as const,
    registers: this.sinkRegisters,
  });
}
