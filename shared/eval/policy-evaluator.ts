import type { PipelineSettings } from "../pipeline/pipeline-settings.js";
import type { InputSettings } from "../codec/codec-settings.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { Action, Post } from "../codec/records.js";
import type { VerdictDecision } from "../policy/verdict-decision.js";
import type { Effort } from "../policy/effort.js";
import type { Logger } from "../observability/logger.js";
import { WorkerMetrics } from "../observability/metrics.js";
import { PolicySet } from "../policy/policy-set.js";
import type { Policy } from "../policy/policy.js";
import { createCodecs } from "../codec/codecs.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import { PolicyPrefilter, PostProcessor, type EnginePort } from "../pipeline/index.js";

/** What the pipeline made of one post under one policy. */
export interface PostResult {
  id: string;
  /** `prefilter`: allowed without a model call; `model`: a model verdict; `failed`: the engine failed (the post goes to review); `invalid`: not a post the worker accepts. */
  outcome: "prefilter" | "model" | "failed" | "invalid";
  action: Action | null;
  decision: VerdictDecision | null;
  /** The measured probability of `decision` (model verdicts only). */
  confidence: number | null;
  ruleIds: string[];
  /** The verdict escalates: below the policy's threshold, or a rule the policy sends to a human. */
  escalate: boolean;
  rationale: string;
  /** The analysis-channel text (empty for models without one). */
  reasoning: string;
  /** The decision's latency: screen + model, as the worker reports it. */
  latencyMs: number;
  error: string | null;
}

export interface EvaluatorSettings {
  pipeline: PipelineSettings;
  /** Over the policy's own effort (null: the policy's). */
  effort: Effort | null;
  /** The engine's `defaultEffort`: the effort of a policy that names none. */
  defaultEffort: Effort;
  maxRecordBytes: number;
  topics: TopicNames;
}

/** The forum a test post is filed under so that the policy applies to it. */
function forumFor(policy: Policy): string {
  return policy.forums.includes("*") ? "" : (policy.forums[0] ?? "");
}

/**
 * One policy on the worker's own path: the same PostProcessor (screen → prefilter → model →
 * decide) over a policy set of this policy alone, without Kafka and without the verdict cache
 * (a cached verdict would hide the model and its latency). Each post goes in as the JSON record
 * a producer would send; its outputs are decoded back.
 */
export class PolicyEvaluator {
  private readonly processor: PostProcessor;
  private readonly codecs = createCodecs();
  private readonly forumId: string;
  private offset = 0;

  constructor(
    readonly policy: Policy,
    engine: EnginePort,
    private readonly settings: EvaluatorSettings,
    logger: Logger,
  ) {
    const input: InputSettings = { format: "json", maxRecordBytes: settings.maxRecordBytes, onUnreadable: "REVIEW", fieldMap: {} };
    this.forumId = forumFor(policy);
    this.processor = new PostProcessor({
      codecs: this.codecs,
      topics: settings.topics,
      input,
      pipeline: { ...settings.pipeline, effort: settings.effort ?? settings.pipeline.effort },
      engine,
      prefilter: new PolicyPrefilter(new PolicySet([policy]), { maxModelChars: settings.pipeline.maxModelChars, defaultEffort: settings.defaultEffort }),
      cache: null,
      metrics: new WorkerMetrics(),
      logger,
    });
  }

  async evaluate(id: string, text: string, signal: AbortSignal): Promise<PostResult> {
    const post: Post = { id, forumId: this.forumId, authorId: "eval", text, language: null, createdAt: Date.now(), metadata: {}, threadId: null };
    const record: InboundRecord = {
      topic: this.settings.topics.posts,
      partition: 0,
      offset: String(this.offset++),
      key: Buffer.from(id),
      value: Buffer.from(JSON.stringify(post)),
      headers: {},
    };
    const [result] = await this.processor.processBatch([record], signal);
    // A post bound for the model comes back as work to run; one decided at the prefilter, as its outputs.
    const outputs = result === undefined ? [] : result.kind === "ready" ? result.outputs : await result.run(signal);
    return this.read(id, outputs);
  }

  private read(id: string, outputs: readonly OutboundRecord[]): PostResult {
    const { topics } = this.settings;
    const none: PostResult = {
      id,
      outcome: "invalid",
      action: null,
      decision: null,
      confidence: null,
      ruleIds: [],
      escalate: false,
      rationale: "",
      reasoning: "",
      latencyMs: 0,
      error: null,
    };
    const letter = outputs.find((o) => o.topic === topics.dlq);
    if (letter) {
      const dead = this.codecs.deadLetter.decode(letter.value, letter.headers);
      return { ...none, error: `${dead.errorClass}: ${dead.errorMessage}` };
    }
    const decisionRecord = outputs.find((o) => o.topic === topics.decisions);
    if (!decisionRecord) return { ...none, error: "the pipeline produced no decision" };
    const decision = this.codecs.decision.decode(decisionRecord.value, decisionRecord.headers);
    const base = { ...none, action: decision.action, latencyMs: decision.latencyMs };
    const verdict = decision.verdicts.find((v) => v.policyId === this.policy.id);
    if (decision.stage === "prefilter" || !verdict) return { ...base, outcome: "prefilter", decision: "allow" };
    const auditRecord = outputs.find((o) => o.topic === topics.audit);
    const entry = auditRecord ? this.codecs.audit.decode(auditRecord.value, auditRecord.headers).entries.find((e) => e.policyId === this.policy.id) : undefined;
    if (verdict.source === "failure") return { ...base, outcome: "failed", escalate: true, error: entry?.error ?? verdict.rationale };
    return {
      ...base,
      outcome: "model",
      decision: verdict.decision,
      confidence: verdict.confidence,
      ruleIds: verdict.ruleIds,
      escalate: verdict.escalate,
      rationale: verdict.rationale,
      reasoning: entry?.reasoning ?? "",
    };
  }
}
