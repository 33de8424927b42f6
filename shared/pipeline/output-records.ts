import type { Codecs } from "../codec/codecs.js";
import type { Decision } from "../codec/records.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import type { DecideOutput } from "./decide.js";
import type { OutboundRecord } from "../kafka/consumed-record.js";

// The records a decision becomes on the output topics (what the runner then produces).

export interface Encoders {
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
