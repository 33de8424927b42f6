import type { RecordKind, RecordTypes } from "../codec/records.js";
import type { InboundRecord } from "../kafka/consumed-record.js";
import type { RecordResult } from "../kafka/record-processor.js";
import type { RecordHandler } from "../sinks/sink-processor.js";
import type { RetryPolicy } from "../retry/retry-policy.js";
import { decodeOrDeadLetter, type DeadLetterDeps } from "../sinks/sink-dead-letter.js";

/**
 * How the console fills its own store from a topic (tickets, audit): decode, then `store` the
 * record, retried while Redis is away; an undecodable record is a dead letter.
 */
export class ConsoleIntake<K extends RecordKind> implements RecordHandler {
  constructor(
    private readonly deps: DeadLetterDeps & { retry: RetryPolicy },
    private readonly kind: K,
    private readonly store: (record: RecordTypes[K]) => Promise<unknown>,
  ) {}

  handle(record: InboundRecord): RecordResult {
    this.deps.metrics.consumed.inc({ topic: this.kind });
    const decoded = decodeOrDeadLetter(this.deps, this.kind, record);
    if ("deadLetter" in decoded) return { kind: "ready", outputs: [decoded.deadLetter] };
    return {
      kind: "deferred",
      run: async (signal) => {
        await this.deps.retry.run(() => this.store(decoded.value), signal);
        return [];
      },
    };
  }
}
