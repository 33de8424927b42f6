import type { Codecs } from "../../codec/codecs.js";
import type { RecordKind, RecordTypes } from "../../codec/records.js";
import { isRetriable } from "../../errors/arbiter-error.js";
import type { InboundRecord, OutboundRecord } from "../../kafka/consumed-record.js";
import type { TopicNames } from "../../kafka/kafka-settings.js";
import type { RecordResult } from "../../kafka/record-processor.js";
import type { Logger } from "../../observability/logger.js";
import type { RecordStore } from "../../record/record-store.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import { decodeOrDeadLetter, sinkDeadLetter } from "../sink-dead-letter.js";
import type { SinkMetrics } from "../sink-metrics.js";
import type { RecordHandler } from "../sink-processor.js";

/** The record kinds the store of record keeps, each from its own topic. */
export type StoredKind = Extract<RecordKind, "decision" | "audit" | "ticket" | "appeal">;

export interface RecordSinkDeps {
  codecs: Codecs;
  topics: TopicNames;
  store: Pick<RecordStore, "putDecision" | "putAudit" | "putTicket" | "putAppeal">;
  /** `record.retry`: while PostgreSQL does not answer, the write waits here and the record's offset is not committed. */
  retry: RetryPolicy;
  metrics: SinkMetrics;
  logger: Logger;
}

/**
 * The record worker's logic for one topic: decode, then upsert by the record's id. A write
 * PostgreSQL does not take (it is down, restarting, out of connections) is tried again with
 * backoff until it is, so the record stays uncommitted and nothing is lost; one it refuses for
 * its data becomes a dead letter. A tombstone (null value, left by `arbiter record erase` on the
 * compacted decisions topic) is nothing to store.
 */
export class RecordSinkHandler implements RecordHandler {
  constructor(
    private readonly kind: StoredKind,
    private readonly deps: RecordSinkDeps,
  ) {}

  handle(record: InboundRecord): RecordResult {
    const { deps, kind } = this;
    deps.metrics.consumed.inc({ topic: kind });
    if (record.value === null) {
      deps.metrics.skipped.inc({ reason: "tombstone" });
      return { kind: "ready", outputs: [] };
    }
    const decoded = decodeOrDeadLetter(deps, kind, record);
    if ("deadLetter" in decoded) return { kind: "ready", outputs: [decoded.deadLetter] };
    const value = decoded.value;
    return { kind: "deferred", run: (signal) => this.store(record, value, signal) };
  }

  private async store(record: InboundRecord, value: RecordTypes[StoredKind], signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    try {
      await deps.retry.run(() => this.write(value), signal, {
        onRetry: (attempt, error, delayMs) => deps.logger.warn({ attempt, delayMs, err: error.message, kind: this.kind }, "record store write failed: waiting"),
      });
    } catch (error) {
      if (signal.aborted || isRetriable(error)) throw error;
      return [sinkDeadLetter(deps, record, error as Error, "process", null)];
    }
    deps.metrics.recorded.inc({ kind: this.kind });
    return [];
  }

  private write(value: RecordTypes[StoredKind]): Promise<void> {
    const { store } = this.deps;
    switch (this.kind) {
      case "decision":
        return store.putDecision(value as RecordTypes["decision"]);
      case "audit":
        return store.putAudit(value as RecordTypes["audit"]);
      case "ticket":
        return store.putTicket(value as RecordTypes["ticket"]);
      case "appeal":
        return store.putAppeal(value as RecordTypes["appeal"]);
    }
  }
}
