import type { PipelineSettings } from "./pipeline-settings.js";
import type { InputSettings } from "../codec/codec-settings.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import { EFFORTS, type Effort } from "../policy/effort.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import type { ConfluentInput } from "../codec/codecs.js";
import { inAuditSample, type AuditSampler } from "./audit-sampler.js";
import { decide } from "./decide.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import type { EnginePort, ModelVerdict, PipelinePolicy, PrefilterPort } from "./ports.js";
import { readPost } from "../codec/post-input.js";
import { screenRecord, screenTimedOut, type ScreenDeps, type ScreenResult } from "./post-screen.js";
import { ScreenTimeoutError } from "./errors/screen-timeout-error.js";
import { publishable } from "./output-records.js";
import { deadLetterRecord } from "../codec/dead-letter-record.js";
import { unreadableRecords } from "./unreadable-post.js";
import { deadLetterCode, isRetriable } from "../errors/arbiter-error.js";
import { RetryPolicy } from "../retry/retry-policy.js";
import { type Codecs } from "../codec/codecs.js";
import type { ScreenPool } from "./screen-pool.js";
import { verdictDigest, type VerdictCache, type VerdictKeyParts } from "./verdict-cache.js";
import { SingleFlight } from "./single-flight.js";
import { PROMPT_FORMAT_VERSION } from "../engine/prompt-builder.js";
import type { PriorityClass } from "../engine/priority.js";
import type { VerdictOutcome } from "./verdict-outcome.js";
import { readInWindows, windowsFor, type WindowedRead } from "./windowed-read.js";

export type { Codecs } from "../codec/codecs.js";

export interface ProcessorDeps {
  codecs: Codecs;
  topics: TopicNames;
  input: InputSettings;
  /** Set exactly when input.format is confluent-avro. */
  confluentInput?: ConfluentInput | null;
  pipeline: PipelineSettings;
  engine: EnginePort;
  /** Prefilter and policies in force (one policy-set version per post). */
  prefilter: PrefilterPort;
  cache: VerdictCache | null;
  metrics: WorkerMetrics;
  logger: Logger;
  now?: () => number;
  /** Funnel audit sampling of the posts the prefilter allows (none: no sampling). */
  auditSampler?: AuditSampler | null;
}

/**
 * Deferred work whose processing throws (a bug, or a post that cannot be encoded) ends as a dead
 * letter, not a stuck record, plus what `alsoOnFailure` gives (the post's decision unread).
 */
export function guarded(
  deps: Pick<ProcessorDeps, "codecs" | "topics" | "metrics" | "logger">,
  record: InboundRecord,
  fn: (signal: AbortSignal) => Promise<OutboundRecord[]>,
  alsoOnFailure: (error: Error, now: number) => OutboundRecord[] = () => [],
): RecordResult {
  return {
    kind: "deferred",
    run: async (signal) => {
      try {
        return await fn(signal);
      } catch (error) {
        if (signal.aborted) throw error;
        const now = Date.now();
        return [deadLetter(deps, record, error as Error, "process", now), ...alsoOnFailure(error as Error, now)];
      }
    },
  };
}

function highestEffort(efforts: readonly Effort[]): Effort {
  return efforts.reduce((a, b) => (EFFORTS.indexOf(b) > EFFORTS.indexOf(a) ? b : a));
}

/** Calls the engine with retries on retriable errors, at once (no wait); a final failure is an outcome, not a throw. */
export async function classifyWithRetries(
  deps: Pick<ProcessorDeps, "engine" | "pipeline" | "metrics" | "logger">,
  postId: string,
  text: string,
  policies: readonly PipelinePolicy[],
  effortOverride: Effort | null,
  signal: AbortSignal,
  priority: PriorityClass,
): Promise<VerdictOutcome[]> {
  const request = {
    priority,
    postText: text,
    policies: policies.map((p) => ({ id: p.id, version: p.version, text: p.body, effort: effortOverride ?? p.reasoningEffort, ruleIds: p.ruleIds })),
    timeoutMs: deps.pipeline.engineTimeoutMs,
    combined: deps.pipeline.combinePolicies && policies.length > 1,
    signal,
  };
  let lastError: Error = new Error("no attempt made");
  let attempts = 0;
  // The settings allow 1 to 10 attempts; the policy would read 0 as "without end".
  const retry = new RetryPolicy({ initialDelayMs: 0, maxDelayMs: 0, maxAttempts: Math.max(1, deps.pipeline.engineAttempts) });
  try {
    return await retry.run(async () => {
      attempts++;
      const started = performance.now();
      try {
        const verdicts: ModelVerdict[] = await deps.engine.classify(request);
        deps.metrics.engineLatency.observe((performance.now() - started) / 1000);
        return verdicts.map((verdict): VerdictOutcome => ({ kind: "model", policyId: verdict.policyId, verdict }));
      } catch (error) {
        lastError = error as Error;
        deps.metrics.engineErrors.inc({ error: lastError.name });
        deps.logger.warn({ postId, attempt: attempts, err: lastError.message, retriable: isRetriable(error), postText: text }, "engine call failed");
        throw error;
      }
    }, signal);
  } catch {
    // Not retriable, out of attempts, or aborted: each policy's outcome is the last engine error.
  }
  return policies.map((p) => ({ kind: "failure", policyId: p.id, errorClass: lastError.name, message: lastError.message, attempts }));
}

/** The dead-letter record for input that cannot be processed, counted and logged (without the post). */
export function deadLetter(
  deps: Pick<ProcessorDeps, "codecs" | "topics" | "metrics" | "logger">,
  record: InboundRecord,
  error: Error,
  stage: string,
  now: number,
): OutboundRecord {
  const reason = deadLetterCode(error) ?? error.name;
  deps.metrics.deadLettered.inc({ reason });
  deps.logger.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason, err: error.message }, "dead letter");
  return deadLetterRecord(deps, record, error, stage, now);
}

/**
 * The primary role: posts -> prefilter -> verdict cache -> engine -> decision, audit, escalation.
 * The pure first stage (decode, validate, prefilter, prefilter decisions) runs in a pool of
 * worker threads when one is given, beside kafkajs on the main thread.
 */
export class PostProcessor implements RecordProcessor {
  private readonly now: () => number;
  private readonly screenDeps: ScreenDeps;
  /**
   * Model calls in flight by verdict key: copies of a post that arrive together (on any
   * partition of this process) share one call, and its verdicts go to the cache once.
   */
  private readonly flights = new SingleFlight<WindowedRead>();

  constructor(
    private readonly deps: ProcessorDeps,
    private readonly pool: ScreenPool | null = null,
  ) {
    this.now = deps.now ?? Date.now;
    if ((deps.input.format === "confluent-avro") !== Boolean(deps.confluentInput))
      throw new Error(`PostProcessor: input.format ${deps.input.format} ${deps.confluentInput ? "with" : "without"} a ConfluentInput`);
    this.screenDeps = {
      codecs: deps.codecs,
      topics: deps.topics,
      input: deps.input,
      confluentPosts: deps.confluentInput?.decoder ?? null,
      prefilter: deps.prefilter,
      now: this.now,
    };
  }

  async processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]> {
    const { deps } = this;
    const screened = await this.screen(records, signal);
    deps.metrics.consumed.inc({ topic: "posts" }, records.length);
    // Most records are finished here, synchronously; those bound for the model are deferred
    // (the runner starts them in key order and publishes each when it completes).
    const out = new Array<RecordResult>(records.length);
    // stage -> action -> count (a few distinct strings; no per-record key string)
    const decided = new Map<string, Map<string, number>>();
    screened.forEach((result, i) => {
      const record = records[i]!;
      if (result.kind === "decided") {
        const byAction = decided.get(result.stage) ?? decided.set(result.stage, new Map()).get(result.stage)!;
        byAction.set(result.action, (byAction.get(result.action) ?? 0) + 1);
        // Ordered by post id (RecordResult.orderKey): a decided post's records are all keyed by its id (output-records.ts).
        out[i] = { kind: "ready", outputs: result.records, orderKey: result.records[0]?.key ?? null };
        if (deps.auditSampler && result.stage === "prefilter") this.sampleForAudit(record, deps.auditSampler);
      } else if (result.kind === "dead-letter") {
        deps.metrics.deadLettered.inc({ reason: result.reason });
        deps.logger.warn(
          {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            reason: result.reason,
            err: result.message,
            postText: record.value?.toString("utf8", 0, deps.pipeline.maxModelChars),
          },
          "dead letter",
        );
        out[i] = { kind: "ready", outputs: result.records };
      } else {
        out[i] = {
          ...guarded(
            deps,
            record,
            (modelSignal) => {
              if (result.policySetVersion === deps.prefilter.policySetVersion) return this.decideWithModel(result, modelSignal);
              // Screened under another policy-set version than the one in force here: screen again.
              const again = screenRecord(record, this.screenDeps);
              return again.kind === "to-model" ? this.decideWithModel(again, modelSignal) : Promise.resolve(again.records);
            },
            // A post whose decision cannot be made or encoded is still decided, unread.
            (error, now) => unreadableRecords(deps, result.policySetVersion, record, error, "process", now, result.post),
          ),
          // Ordered by post id, not the Kafka key: only this post's later records wait for its model call.
          orderKey: result.post.id,
        };
      }
    });
    for (const [stage, byAction] of decided) for (const [action, count] of byAction) deps.metrics.decided.inc({ stage, action }, count);
    return out;
  }

  /** A post the prefilter allowed goes to the audit sample when its id falls in the share; it is decoded again only then. */
  private sampleForAudit(record: InboundRecord, sampler: AuditSampler): void {
    const key = record.key?.toString("utf8");
    if (!key || !inAuditSample(key, sampler.rate)) return;
    const { deps } = this;
    let post;
    try {
      post = readPost(record, deps.input.format, deps.input.maxRecordBytes, deps.confluentInput?.decoder ?? deps.codecs.post);
    } catch {
      return;
    }
    const screened = deps.prefilter.match(post.text, post.forumId);
    sampler.offer({ post, policySetVersion: screened.policySetVersion, policies: screened.policies, modelText: screened.modelText });
  }

  private async screen(records: readonly InboundRecord[], signal: AbortSignal): Promise<ScreenResult[]> {
    // The decode is synchronous: unknown writer schemas are fetched first (waiting out a registry outage).
    const schemas = this.deps.confluentInput ? await this.deps.confluentInput.schemas.notesFor(records, signal) : undefined;
    if (this.pool) {
      try {
        // A record a thread hangs on is decided REVIEW and never screened again (the rest of its chunk goes to another thread).
        return await this.pool.screen(records, schemas, (record, error) => screenTimedOut(record, this.screenDeps, error));
      } catch (error) {
        // Never on the main thread after a timeout: what hung a thread would block kafkajs here.
        if (signal.aborted || error instanceof ScreenTimeoutError) throw error;
        // A broken thread costs speed, not records: screen on the main thread.
        this.deps.logger.error({ err: (error as Error).message }, "screen thread failed; screening on the main thread");
      }
    }
    return records.map((r) => screenRecord(r, this.screenDeps));
  }

  private async decideWithModel(screened: Extract<ScreenResult, { kind: "to-model" }>, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    const started = performance.now();
    const { post } = screened;
    const applicable = new Set(screened.policyIds);
    const policies = deps.prefilter.policiesFor(post.forumId).filter((p) => applicable.has(p.id));
    const sendToModel = new Set(screened.toModel);
    const outcomes: VerdictOutcome[] = [];
    const toModel: PipelinePolicy[] = [];
    for (const policy of policies) {
      if (!sendToModel.has(policy.id)) {
        outcomes.push({ kind: "prefilter", policyId: policy.id });
        continue;
      }
      const cached = deps.cache ? await deps.cache.get(this.verdictKey(policy), screened.cacheText) : undefined;
      if (cached) {
        deps.metrics.cacheHits.inc();
        outcomes.push({ kind: "cache", policyId: policy.id, verdict: cached });
      } else {
        if (deps.cache) deps.metrics.cacheMisses.inc();
        toModel.push(policy);
      }
    }
    // A post longer than the model's budget is read in windows, those around the prefilter's hits first.
    let read: WindowedRead = { outcomes: [], windowsRead: 0, truncated: false };
    if (toModel.length > 0) {
      const hits = post.text.length > deps.pipeline.maxModelChars ? deps.prefilter.match(post.text, post.forumId).modelHits?.() : undefined;
      const plan = windowsFor(post.text, deps.pipeline, hits);
      const keys = new Map(toModel.map((p) => [p.id, this.verdictKey(p)]));
      // Copies of a post in flight share one read (every window of it), and only that read writes the cache.
      const flightKey = [...keys.values()]
        .map((parts) => verdictDigest(parts, screened.cacheText))
        .sort()
        .join(",");
      read = await this.flights.run(flightKey, signal, async (callSignal) => {
        const fresh = await readInWindows(post.text, toModel, plan, (text, asked) =>
          classifyWithRetries(deps, post.id, text, asked, deps.pipeline.effort, callSignal, "primary"),
        );
        // A verdict is cached for the whole text: never an allow of a post the model did not read whole.
        if (deps.cache) {
          const cacheable = fresh.outcomes.filter((o) => o.kind === "model" && (!fresh.truncated || o.verdict.decision === "violate"));
          await Promise.all(cacheable.map((o) => (o.kind === "model" ? deps.cache!.set(keys.get(o.policyId)!, o.verdict, screened.cacheText) : undefined)));
        }
        return fresh;
      });
      outcomes.push(...read.outcomes);
    }
    // The highest effort any model-bound policy ran at (a combined call runs at the highest of its policies').
    const effort = toModel.length > 0 ? (deps.pipeline.effort ?? highestEffort(toModel.map((p) => p.reasoningEffort))) : null;
    const out = decide({
      post,
      policies,
      outcomes,
      stage: "primary",
      policySetVersion: screened.policySetVersion,
      modelId: deps.engine.modelId,
      effort,
      latencyMs: screened.screenMs + performance.now() - started,
      truncated: read.truncated,
      windowsRead: read.windowsRead,
      now: this.now(),
    });
    return publishable(deps, out);
  }

  /** What a verdict of this policy depends on besides the post (the cache's key, and the in-flight calls'). */
  private verdictKey(policy: PipelinePolicy): VerdictKeyParts {
    const { engine, pipeline } = this.deps;
    return {
      modelIdentity: engine.modelIdentity ?? engine.modelId,
      effort: pipeline.effort ?? policy.reasoningEffort,
      policyId: policy.id,
      policyVersion: policy.version,
      promptFormat: `${PROMPT_FORMAT_VERSION}/${pipeline.combinePolicies ? "combined" : "separate"}`,
    };
  }
}
