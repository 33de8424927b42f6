import type { DeadLetter, Post } from "../codec/records.js";
import type { RecordCodec } from "../codec/record-codec.js";
import type { Effort, InputSettings, PipelineSettings, TopicNames } from "../config/arbiter-config.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import { decide, type DecideOutput } from "./decide.js";
import type { InboundRecord, OutboundRecord } from "./inbound-record.js";
import type { EnginePort, ModelVerdict, PipelinePolicy, PrefilterPort } from "./ports.js";
import { readPost } from "./post-input.js";
import type { VerdictCache } from "./verdict-cache.js";
import type { VerdictOutcome } from "./verdict-outcome.js";

export interface Codecs {
  post: RecordCodec<"post">;
  decision: RecordCodec<"decision">;
  audit: RecordCodec<"audit">;
  escalation: RecordCodec<"escalation">;
  ticket: RecordCodec<"ticket">;
  deadLetter: RecordCodec<"deadLetter">;
}

export interface ProcessorDeps {
  codecs: Codecs;
  topics: TopicNames;
  input: InputSettings;
  pipeline: PipelineSettings;
  engine: EnginePort;
  /** Prefilter and policies in force (one policy-set version per post). */
  prefilter: PrefilterPort;
  cache: VerdictCache | null;
  metrics: WorkerMetrics;
  logger: Logger;
  now?: () => number;
}

/** Turns one record into the records to publish. Never throws for bad input: that is a dead letter. */
export interface RecordProcessor {
  process(record: InboundRecord, signal: AbortSignal): Promise<OutboundRecord[]>;
}

/** Calls the engine with retries on retriable errors; a final failure is an outcome, not a throw. */
export async function classifyWithRetries(
  deps: Pick<ProcessorDeps, "engine" | "pipeline" | "metrics" | "logger">,
  postId: string,
  text: string,
  policies: readonly PipelinePolicy[],
  effortOverride: Effort | null,
  signal: AbortSignal,
): Promise<VerdictOutcome[]> {
  const request = {
    postText: text,
    policies: policies.map((p) => ({ id: p.id, version: p.version, text: p.body, effort: effortOverride ?? p.reasoningEffort, ruleIds: p.ruleIds })),
    timeoutMs: deps.pipeline.engineTimeoutMs,
    combined: deps.pipeline.combinePolicies && policies.length > 1,
    signal,
  };
  let lastError: Error = new Error("no attempt made");
  let attempts = 0;
  while (attempts < deps.pipeline.engineAttempts) {
    attempts++;
    const started = performance.now();
    try {
      const verdicts: ModelVerdict[] = await deps.engine.classify(request);
      deps.metrics.engineLatency.observe((performance.now() - started) / 1000);
      return verdicts.map((verdict) => ({ kind: "model", policyId: verdict.policyId, verdict }));
    } catch (error) {
      lastError = error as Error;
      deps.metrics.engineErrors.inc({ error: lastError.name });
      const retriable = (error as { retriable?: boolean }).retriable === true;
      deps.logger.warn({ postId, attempt: attempts, err: lastError.message, retriable }, "engine call failed");
      if (!retriable || signal.aborted) break;
    }
  }
  return policies.map((p) => ({ kind: "failure", policyId: p.id, errorClass: lastError.name, message: lastError.message, attempts }));
}

/** Records for the outputs of `decide`, keyed by post id. */
export function publishable(deps: Pick<ProcessorDeps, "codecs" | "topics" | "metrics">, out: DecideOutput): OutboundRecord[] {
  const key = out.decision.postId;
  const records: OutboundRecord[] = [{ topic: deps.topics.decisions, key, ...deps.codecs.decision.encode(out.decision) }];
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

/** The dead-letter record for input that cannot be processed, with the reason. */
export function deadLetter(
  deps: Pick<ProcessorDeps, "codecs" | "topics" | "metrics" | "logger">,
  record: InboundRecord,
  error: Error & { code?: string },
  stage: string,
  now: number,
): OutboundRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = Buffer.from(first);
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
  };
  deps.metrics.deadLettered.inc({ reason: error.code ?? error.name });
  deps.logger.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason: letter.errorClass, err: error.message }, "dead letter");
  return { topic: deps.topics.dlq, key: record.key?.toString("utf8") ?? null, ...deps.codecs.deadLetter.encode(letter) };
}

/** The primary role: posts -> prefilter -> verdict cache -> engine -> decision, audit, escalation. */
export class PostProcessor implements RecordProcessor {
  private readonly now: () => number;

  constructor(private readonly deps: ProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  async process(record: InboundRecord, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    deps.metrics.consumed.inc({ topic: "posts" });
    let post: Post;
    try {
      post = readPost(record, deps.input.format, deps.input.maxRecordBytes, deps.codecs.post);
    } catch (error) {
      return [deadLetter(deps, record, error as Error, "decode", this.now())];
    }
    const started = performance.now();
    const screened = deps.prefilter.screen(post.text, post.forumId);
    const policies = screened.policies;
    const outcomes: VerdictOutcome[] = [];
    const toModel: PipelinePolicy[] = [];
    for (const policy of policies) {
      if (!screened.toModel.has(policy.id)) {
        outcomes.push({ kind: "prefilter", policyId: policy.id });
        continue;
      }
      const cached = deps.cache ? await deps.cache.get(policy.version, screened.cacheText()) : undefined;
      if (cached) {
        deps.metrics.cacheHits.inc();
        outcomes.push({ kind: "cache", policyId: policy.id, verdict: cached });
      } else {
        if (deps.cache) deps.metrics.cacheMisses.inc();
        toModel.push(policy);
      }
    }
    if (toModel.length > 0) {
      const fromModel = await classifyWithRetries(deps, post.id, screened.modelText, toModel, deps.pipeline.effort, signal);
      outcomes.push(...fromModel);
      if (deps.cache) {
        await Promise.all(fromModel.map((o) => (o.kind === "model" ? deps.cache!.set(o.verdict, screened.cacheText()) : undefined)));
      }
    }
    const effort = toModel.length > 0 ? (deps.pipeline.effort ?? toModel[0]!.reasoningEffort) : null;
    const out = decide({
      post,
      policies,
      outcomes,
      stage: "primary",
      policySetVersion: screened.policySetVersion,
      modelId: deps.engine.modelId,
      effort,
      latencyMs: performance.now() - started,
      truncated: screened.truncated,
      now: this.now(),
    });
    return publishable(deps, out);
  }
}
