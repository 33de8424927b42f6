import type { RecordCodec } from "../codec/record-codec.js";
import type { DeadLetter, Decision, HttpExchange } from "../codec/records.js";
import type { TopicNames } from "../config/arbiter-config.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import type { DecideOutput } from "./decide.js";
import type { InboundRecord, OutboundRecord } from "../kafka/inbound-record.js";

export interface Codecs {
  post: RecordCodec<"post">;
  decision: RecordCodec<"decision">;
  audit: RecordCodec<"audit">;
  escalation: RecordCodec<"escalation">;
  ticket: RecordCodec<"ticket">;
  appeal: RecordCodec<"appeal">;
  deadLetter: RecordCodec<"deadLetter">;
}

interface Encoders {
  codecs: Codecs;
  topics: TopicNames;
}

export function encodeDecision(deps: Encoders, decision: Decision): OutboundRecord {
  return { topic: deps.topics.decisions, key: decision.postId, ...deps.codecs.decision.encode(decision) };
}

/** Records for the outputs of `decide`, keyed by post id, counted in the metrics. */
export function publishable(deps: Encoders & { metrics: WorkerMetrics }, out: DecideOutput): OutboundRecord[] {
  const key = out.decision.postId;
  const records: OutboundRecord[] = [encodeDecision(deps, out.decision)];
  deps.metrics.decided.inc({ stage: out.decision.stage, action: out.decision.action });
  if (out.audit) records.push({ topic: deps.topics.audit, key, ...deps.codecs.audit.encode(out.audit) });
  if (out.escalation) {
    records.push({ topic: deps.topics.escalations, key, ...deps.codecs.escalation.encode(out.escalation) });
    deps.metrics.escalated.inc({ reason: out.escalation.reason });
  }
  if (out.ticket) {
    records.push({ topic: deps.topics.tickets, key, ...deps.codecs.ticket.encode(out.ticket) });
    deps.metrics.tickets.inc();
  }
  return records;
}

/** The dead-letter record for input that cannot be processed: the original bytes, the reason and, from a sink, the HTTP exchange it ended with. */
export function deadLetterRecord(deps: Encoders, record: InboundRecord, error: Error & { code?: string }, stage: string, now: number, response: HttpExchange | null = null): OutboundRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    // The dead letter's headers are a map of bytes: a null header value has no place there.
    if (first !== undefined && first !== null) headers[name] = Buffer.from(first);
  }
  const letter: DeadLetter = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers,
    errorClass: error.code ? `${error.name}:${error.code}` : error.name,
    errorMessage: error.message,
    stage,
    attempts: 1,
    firstSeenAt: now,
    response,
  };
  return { topic: deps.topics.dlq, key: record.key?.toString("utf8") ?? null, ...deps.codecs.deadLetter.encode(letter) };
}
