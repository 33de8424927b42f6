import type { Audit, AuditEntry, Post } from "../codec/records.js";
import type { PipelineSettings } from "./pipeline-settings.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import { proportion } from "../stats/proportion.js";
import type { OutboundRecord } from "../kafka/consumed-record.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import { decisionId } from "../codec/decision-identity.js";
import { engineIdleFor, type EngineQueue, type EnginePort, type ModelVerdict, type PipelinePolicy } from "./ports.js";

/** Calls waiting of a class above audit; a port that does not say by class: every call waiting. */
function waitingAboveAudit(queue: EngineQueue): number {
  const byClass = queue.queuedByClass;
  if (byClass === undefined) return queue.depth;
  return byClass.primary + byClass.escalation + byClass["second-look"];
}
import type { Codecs } from "../codec/codecs.js";

/** A model verdict as an audit entry (its reasoning included: the audit topic is where it goes). */
export function auditEntryOf(v: ModelVerdict): AuditEntry {
  return {
    policyId: v.policyId,
    policyVersion: v.policyVersion,
    reasoning: v.reasoning,
    promptTokens: v.promptTokens,
    generatedTokens: v.generatedTokens,
    latencyMs: v.latencyMs,
    error: null,
    decision: v.decision,
    ruleIds: v.ruleIds,
    confidence: v.confidence,
  };
}

/**
 * Whether a post is in the audit sample: an FNV-1a hash of its id below `rate` of the 32-bit
 * range, so the same post is always in or out (a redelivered post is not sampled twice by
 * chance) and the share is `rate` over many ids.
 */
export function inAuditSample(postId: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  let h = 0x811c9dc5;
  for (let i = 0; i < postId.length; i++) {
    h ^= postId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000 < rate;
}

export interface AuditSamplerDeps {
  engine: EnginePort;
  pipeline: Pick<PipelineSettings, "engineTimeoutMs" | "auditSampleRate">;
  codecs: Pick<Codecs, "audit">;
  topics: Pick<TopicNames, "audit">;
  /** Sends the sample's audit record (acknowledged; a lost sample only widens the interval). */
  publish(records: OutboundRecord[]): Promise<void>;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Samples waiting for the model, past which new ones are dropped. @defaultValue 256 */
  maxBacklog?: number;
  /** How often the engine is looked at while a sample waits or runs. @defaultValue 20 */
  pollMs?: number;
  now?: () => number;
}

export interface Sample {
  post: Post;
  policySetVersion: string;
  policies: readonly PipelinePolicy[];
  /** What the model is sent (the prefilter's cut). */
  modelText: string;
}

/**
 * Funnel audit sampling: posts the prefilter allowed without the model go to the model at the
 * lowest priority, one at a time and only while the engine has a free sequence and nothing
 * waiting; a post the worker must decide that queues behind a sample aborts it (it is tried
 * again later). The verdicts go to the audit topic only (`sampled`), and per policy they feed
 * the prefilter's miss-rate estimate with its Wilson interval.
 */
export class AuditSampler {
  /** The share of prefilter-allowed posts sampled. */
  readonly rate: number;
  private readonly backlog: Sample[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly tally: MissTally;
  private readonly maxBacklog: number;
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: AuditSamplerDeps) {
    this.rate = deps.pipeline.auditSampleRate;
    this.tally = new MissTally(deps.metrics);
    this.maxBacklog = deps.maxBacklog ?? 256;
    this.pollMs = deps.pollMs ?? 20;
    this.now = deps.now ?? Date.now;
  }

  /** Takes a sampled post (never waits); dropped when the backlog is full or no policy applies. */
  offer(sample: Sample): void {
    if (this.closed || sample.policies.length === 0) return;
    if (this.backlog.length >= this.maxBacklog) {
      this.deps.metrics.auditSamplesDropped.inc({ reason: "backlog" });
      return;
    }
    this.backlog.push(sample);
    this.schedule(0);
  }

  /** The miss rate per policy so far (this process's samples). */
  missRates(): Map<string, ReturnType<typeof proportion>> {
    return this.tally.missRates();
  }

  /** Samples waiting. */
  get waiting(): number {
    return this.backlog.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    await this.running;
  }

  private abort: AbortController | null = null;

  private schedule(delayMs: number): void {
    if (this.closed || this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delayMs);
    this.timer.unref();
  }

  /** The engine can take a call without making anyone wait: a free sequence and an empty queue. */
  private engineIdle(): boolean {
    return engineIdleFor(this.deps.engine.queue());
  }

  private pump(): void {
    if (this.closed || this.running || this.backlog.length === 0) return;
    if (!this.engineIdle()) return this.schedule(this.pollMs);
    const sample = this.backlog.shift()!;
    this.running = this.run(sample).finally(() => {
      this.running = null;
      this.schedule(0);
    });
  }

  private async run(sample: Sample): Promise<void> {
    const { deps } = this;
    const abort = new AbortController();
    this.abort = abort;
    // Lowest priority: a call of a higher class queued behind this one stops it (the engine's queue
    // already serves that call first; this frees the sequence a call sooner). The sample's own
    // further calls (one per policy) wait at class audit and stop nothing.
    const watch = setInterval(() => {
      if (waitingAboveAudit(deps.engine.queue()) > 0) abort.abort(new Error("preempted"));
    }, this.pollMs);
    watch.unref();
    try {
      const verdicts = await deps.engine.classify({
        postText: sample.modelText,
        policies: sample.policies.map((p) => ({ id: p.id, version: p.version, text: p.body, effort: p.reasoningEffort, ruleIds: p.ruleIds })),
        timeoutMs: deps.pipeline.engineTimeoutMs,
        signal: abort.signal,
        priority: "audit",
      });
      const entries = verdicts.map(auditEntryOf);
      for (const v of verdicts) this.count(v.policyId, v.decision === "violate");
      // The audit of the decision in force: the prefilter's allow, which the sample leaves as it is.
      const audit: Audit = {
        decisionId: decisionId(sample.post.id, sample.policySetVersion, [], "prefilter"),
        postId: sample.post.id,
        stage: "prefilter",
        modelId: deps.engine.modelId,
        entries,
        createdAt: this.now(),
        sampled: true,
      };
      await deps.publish([{ topic: deps.topics.audit, key: sample.post.id, ...deps.codecs.audit.encode(audit) }]);
    } catch (error) {
      if (abort.signal.aborted && !this.closed) {
        deps.metrics.auditSamplesDropped.inc({ reason: "preempted" });
        this.backlog.unshift(sample);
        return;
      }
      if (this.closed) return;
      deps.metrics.auditSamplesDropped.inc({ reason: "failed" });
      deps.logger.warn({ postId: sample.post.id, err: (error as Error).message }, "audit sample failed");
    } finally {
      clearInterval(watch);
      this.abort = null;
    }
  }

  private count(policyId: string, violate: boolean): void {
    this.tally.count(policyId, violate);
  }
}

/**
 * The funnel's miss-rate estimate per policy from audit samples, as metrics: the samples by
 * verdict and the estimate with its 95 % Wilson interval (this process's samples).
 */
export class MissTally {
  private readonly tally = new Map<string, { violate: number; n: number }>();

  constructor(private readonly metrics: WorkerMetrics) {}

  count(policyId: string, violate: boolean): void {
    const { metrics } = this;
    const t = this.tally.get(policyId) ?? this.tally.set(policyId, { violate: 0, n: 0 }).get(policyId)!;
    t.n++;
    if (violate) t.violate++;
    metrics.auditSamples.inc({ policy: policyId, verdict: violate ? "violate" : "allow" });
    const p = proportion(t.violate, t.n);
    metrics.auditMissRate.set({ policy: policyId, bound: "estimate" }, p.rate);
    metrics.auditMissRate.set({ policy: policyId, bound: "low" }, p.low);
    metrics.auditMissRate.set({ policy: policyId, bound: "high" }, p.high);
  }

  /** The miss rate per policy so far. */
  missRates(): Map<string, ReturnType<typeof proportion>> {
    return new Map([...this.tally].map(([policy, t]) => [policy, proportion(t.violate, t.n)]));
  }
}
