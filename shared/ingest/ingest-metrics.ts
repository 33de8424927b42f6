import { Counter, Gauge } from "prom-client";
import { WorkerMetrics } from "../observability/metrics.js";

/** The ingest gateway's metrics, with the process's, in one registry (one /metrics). */
export class IngestMetrics extends WorkerMetrics {
  private readonly ingestRegisters = [this.registry];

  readonly requests = new Counter({
    name: "arbiter_ingest_requests_total",
    help: "Webhook requests by source and outcome (accepted, ignored, rejected, unauthorized, rate-limited, unavailable, too-large, not-found, error)",
    labelNames: ["source", "outcome"] as const,
    registers: this.ingestRegisters,
  });
  readonly produced = new Counter({
    name: "arbiter_ingest_produced_total",
    help: "Records produced by source and kind (post, edit, event)",
    labelNames: ["source", "kind"] as const,
    registers: this.ingestRegisters,
  });
  readonly rejected = new Counter({
    name: "arbiter_ingest_rejected_total",
    help: "Requests refused with a 4xx, by source and reason code",
    labelNames: ["source", "reason"] as const,
    registers: this.ingestRegisters,
  });
  readonly polls = new Counter({
    name: "arbiter_ingest_polls_total",
    help: "Listing polls by poller, listing and outcome (ok, failed)",
    labelNames: ["poller", "listing", "outcome"] as const,
    registers: this.ingestRegisters,
  });
  readonly pollerGaps = new Counter({
    name: "arbiter_ingest_poller_gaps_total",
    help: "Polls that read maxPages without reaching the cursor: items older than the pages read may have been missed",
    labelNames: ["poller", "listing"] as const,
    registers: this.ingestRegisters,
  });
  readonly pollerLag = new Gauge({
    name: "arbiter_ingest_poller_lag_seconds",
    help: "Age of the newest item a poller had produced, at its last successful poll (its creation to now)",
    labelNames: ["poller", "listing"] as const,
    registers: this.ingestRegisters,
  });
}
