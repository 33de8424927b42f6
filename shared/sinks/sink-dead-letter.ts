import type { HttpExchange, RecordKind, RecordTypes } from "../codec/records.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { Logger } from "../observability/logger.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import { deadLetterRecord } from "../codec/dead-letter-record.js";
import { deadLetterCode } from "../errors/arbiter-error.js";
import { type Codecs } from "../codec/codecs.js";
import type { SinkMetrics } from "./sink-metrics.js";

export interface DeadLetterDeps {
  codecs: Codecs;
  topics: TopicNames;
  metrics: SinkMetrics;
  logger: Logger;
}

/** A sink's dead letter: the record, the reason and the HTTP exchange it ended with; counted and logged (ids and status, never the body). */
export function sinkDeadLetter(
  deps: DeadLetterDeps,
  record: InboundRecord,
  error: Error,
  stage: string,
  response: HttpExchange | null,
  now = Date.now(),
): OutboundRecord {
  const reason = deadLetterCode(error) ?? error.name;
  deps.metrics.deadLettered.inc({ reason });
  deps.logger.warn(
    { topic: record.topic, partition: record.partition, offset: record.offset, reason, err: error.message, status: response?.status },
    "dead letter",
  );
  return deadLetterRecord(deps, record, error, stage, now, response);
}

/** Decodes a consumed record, or gives its dead letter (stage `decode`). */
export function decodeOrDeadLetter<K extends RecordKind>(
  deps: DeadLetterDeps,
  kind: K,
  record: InboundRecord,
): { value: RecordTypes[K] } | { deadLetter: OutboundRecord } {
  try {
    if (!record.value) throw Object.assign(new Error("empty record value"), { code: "MALFORMED" });
    const codec = deps.codecs[kind] as unknown as { decode(bytes: Buffer, headers: InboundRecord["headers"]): RecordTypes[K] };
    return { value: codec.decode(record.value, record.headers) };
  } catch (error) {
    return { deadLetter: sinkDeadLetter(deps, record, error as Error, "decode", null) };
  }
}
