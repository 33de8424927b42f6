import type { Audit, Post } from "../codec/records.js";
import type { Codecs, ConfluentInput } from "../codec/codecs.js";
import type { InputSettings } from "../codec/codec-settings.js";
import { readPost } from "../codec/post-input.js";
import { decisionId } from "../codec/decision-identity.js";
import { EngineBusyError } from "../engine/errors/engine-busy-error.js";
import { EFFORTS, type Effort } from "../policy/effort.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import { auditEntryOf, inAuditSample, MissTally } from "./audit-sampler.js";
import { decide } from "./decide.js";
import { publishable } from "./output-records.js";
import type { PipelineSettings, SecondLookSettings } from "./pipeline-settings.js";
import { engineIdleFor, type EnginePort, type ModelVerdict, type PrefilterPort, type ScreenedPost } from "./ports.js";

export interface SecondLookDeps {
  codecs: Codecs;
  topics: TopicNames;
  input: InputSettings;
  /** Set exactly when input.format is confluent-avro. */
  confluentInput?: ConfluentInput | null;
  pipeline: Pick<PipelineSettings, "engineTimeoutMs" | "auditSampleRate" | "effort" | "combinePolicies">;
  secondLook: Pick<SecondLookSettings, "maxAgeMinutes" | "pollMs" | "reserveSequences">;
  /** The engine the primary role decides posts with: the second look uses only its idle sequences. */
  engine: EnginePort;
  prefilter: PrefilterPort;
  metrics: WorkerMetrics;
  logger: Logger;
  now?: () => number;
}

/** A post the prefilter allowed without the model, as the second look takes it. */
interface Allowed {
  post: Post;
  screened: ScreenedPost;
}

interface Waiter {
  readonly createdAt: number;
  readonly seq: number;
  resolve(): void;
}

/**
 * Lets waiting posts through one at a time, oldest first (by `createdAt`, then arrival), each
 * only when the engine has an idle sequence and nothing queued: the second look never makes a
 * call of another class wait for a sequence. It also tracks the posts taken on and not yet
 * reviewed, for the lag.
 */
export class IdleGate {
  private readonly waiting: Waiter[] = [];
  private readonly pending = new Map<number, number>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly idle: () => boolean,
    private readonly pollMs: number,
    private readonly onLag: (oldestCreatedAt: number | null) => void = () => undefined,
  ) {}

  /** Takes a post on (for the lag) until the returned function is called. */
  hold(createdAt: number): () => void {
    const id = ++this.seq;
    this.pending.set(id, createdAt);
    this.reportLag();
    return () => {
      this.pending.delete(id);
      this.reportLag();
      this.pump();
    };
  }

  /** Resolves when this post is the oldest waiting and the engine is idle; rejects with the signal's reason on abort. */
  turn(createdAt: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        createdAt,
        seq: ++this.seq,
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      // Sorted insert: oldest post first, then first come.
      let at = this.waiting.length;
      while (at > 0 && this.older(waiter, this.waiting[at - 1]!)) at -= 1;
      this.waiting.splice(at, 0, waiter);
      this.pump();
    });
  }

  /** Posts waiting for their turn. */
  get size(): number {
    return this.waiting.length;
  }

  close(): void {
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
  }

  private older(a: Waiter, b: Waiter): boolean {
    return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.seq < b.seq);
  }

  /** One post through per look: the next look comes after the released call has reached the engine. */
  private pump(): void {
    if (this.timer || this.immediate || this.waiting.length === 0) return;
    if (!this.idle()) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.pollMs);
      this.timer.unref();
      this.reportLag();
      return;
    }
    this.waiting.shift()!.resolve();
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.pump();
    });
    this.immediate.unref();
  }

  private reportLag(): void {
    let oldest: number | null = null;
    for (const createdAt of this.pending.values()) if (oldest === null || createdAt < oldest) oldest = createdAt;
    this.onLag(oldest);
  }
}

function highestEffort(efforts: readonly Effort[]): Effort {
  return efforts.reduce((a, b) => (EFFORTS.indexOf(b) > EFFORTS.indexOf(a) ? b : a));
}

/**
 * The second look: reads the posts topic in a consumer group of its own (a StreamRunner drives
 * it, so offsets and exactly-once work as in the other roles), takes the posts the prefilter
 * allowed without the model (it runs the prefilter again: cheap and deterministic), and sends
 * each to the engine only while a sequence is idle, at priority class `second-look`, oldest
 * first. A violation is a decision at stage `second_look` (HIDE, BANNER or REVIEW as for any
 * model decision, an unsure one escalated); an allow is only an audit record (stage
 * `second_look`, the prefilter's decision id). A post older than `secondLook.maxAgeMinutes`
 * when its turn comes is skipped and counted. The audit records of the `auditSampleRate` share
 * (by post id, as funnel audit sampling) are marked `sampled`: the funnel's random slice.
 */
export class SecondLookProcessor implements RecordProcessor {
  readonly gate: IdleGate;
  /** Posts so far, as the metrics count them (for a bench driving it in process): seen, reviewed, skipped, failed, and those found violating. */
  readonly counts = { seen: 0, reviewed: 0, skipped: 0, failed: 0, violations: 0 };
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly tally: MissTally;

  constructor(private readonly deps: SecondLookDeps) {
    if ((deps.input.format === "confluent-avro") !== Boolean(deps.confluentInput))
      throw new Error(`SecondLookProcessor: input.format ${deps.input.format} ${deps.confluentInput ? "with" : "without"} a ConfluentInput`);
    this.now = deps.now ?? Date.now;
    this.maxAgeMs = deps.secondLook.maxAgeMinutes * 60_000;
    this.tally = new MissTally(deps.metrics);
    this.gate = new IdleGate(
      () => {
        const queue = deps.engine.queue();
        return engineIdleFor(queue, this.reserveOf(queue.sequences));
      },
      deps.secondLook.pollMs,
      (oldest) => deps.metrics.secondLookLag.set(oldest === null ? 0 : Math.max(0, (this.now() - oldest) / 1000)),
    );
  }

  async processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]> {
    const { deps } = this;
    if (deps.confluentInput) await deps.confluentInput.schemas.notesFor(records, signal);
    const now = this.now();
    const skipped: Post[] = [];
    const results = records.map((record): RecordResult => {
      const allowed = this.allowed(record);
      if (!allowed) return { kind: "ready", outputs: [] };
      this.count(allowed, "seen");
      if (now - allowed.post.createdAt > this.maxAgeMs) {
        skipped.push(allowed.post);
        return { kind: "ready", outputs: [] };
      }
      // Ordered by post id (as the primary's records are), so a thread-keyed topic does not queue one thread's reviews in line.
      return { kind: "deferred", run: (runSignal) => this.review(allowed, runSignal), orderKey: allowed.post.id };
    });
    this.skip(skipped);
    return results;
  }

  /** Stops letting posts through (the runner aborts those waiting). */
  close(): void {
    this.gate.close();
  }

  /** The post when the prefilter allowed it without the model under some policy; null for anything else (the primary role decides those). */
  private allowed(record: InboundRecord): Allowed | null {
    const { deps } = this;
    try {
      const post = readPost(record, deps.input.format, deps.input.maxRecordBytes, deps.confluentInput?.decoder ?? deps.codecs.post);
      const screened = deps.prefilter.match(post.text, post.forumId);
      if (screened.toModel.size > 0 || screened.policies.length === 0) return null;
      return { post, screened };
    } catch {
      // A record the primary role could not read: its dead letter is the primary role's.
      return null;
    }
  }

  /** The sequences left free for higher classes: `secondLook.reserveSequences`, at most all but one. */
  private reserveOf(sequences: number): number {
    return Math.min(this.deps.secondLook.reserveSequences, Math.max(0, sequences - 1));
  }

  private count(allowed: Allowed, result: "seen" | "reviewed"): void {
    const { metrics } = this.deps;
    this.counts[result] += 1;
    metrics.secondLookPosts.inc({ forum: allowed.post.forumId, result });
    for (const policy of allowed.screened.policies) metrics.secondLookAllows.inc({ policy: policy.id, result });
  }

  /** Counted by forum and logged with the count and the oldest age: never silent, never the text. */
  private skip(posts: readonly Post[]): void {
    if (posts.length === 0) return;
    const { deps } = this;
    const forums = new Map<string, number>();
    let oldest = Number.POSITIVE_INFINITY;
    for (const post of posts) {
      forums.set(post.forumId, (forums.get(post.forumId) ?? 0) + 1);
      oldest = Math.min(oldest, post.createdAt);
    }
    for (const [forum, n] of forums) deps.metrics.secondLookPosts.inc({ forum, result: "skipped" }, n);
    this.counts.skipped += posts.length;
    deps.logger.info(
      { skipped: posts.length, maxAgeMinutes: deps.secondLook.maxAgeMinutes, oldestAgeMinutes: Math.round((this.now() - oldest) / 60_000) },
      "second look skipped posts older than secondLook.maxAgeMinutes",
    );
  }

  private async review(allowed: Allowed, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    const { post, screened } = allowed;
    const release = this.gate.hold(post.createdAt);
    let verdicts: ModelVerdict[];
    const started = performance.now();
    try {
      for (;;) {
        await this.gate.turn(post.createdAt, signal);
        // It may have waited past the bound for its turn.
        if (this.now() - post.createdAt > this.maxAgeMs) {
          this.skip([post]);
          return [];
        }
        try {
          verdicts = await deps.engine.classify({
            postText: screened.modelText,
            policies: screened.policies.map((p) => ({
              id: p.id,
              version: p.version,
              text: p.body,
              effort: deps.pipeline.effort ?? p.reasoningEffort,
              ruleIds: p.ruleIds,
            })),
            timeoutMs: deps.pipeline.engineTimeoutMs,
            combined: deps.pipeline.combinePolicies && screened.policies.length > 1,
            priority: "second-look",
            onlyIfIdle: true,
            idleReserve: this.reserveOf(deps.engine.queue().sequences),
            // A post the prefilter sent (or an escalation or appeal) that finds every sequence busy stops this call and takes its sequence.
            preemptible: true,
            signal,
          });
          break;
        } catch (error) {
          // Another call took the idle sequence first, or a higher class stopped this one: wait for the next idle sequence.
          if (error instanceof EngineBusyError) continue;
          if (signal.aborted) throw error;
          this.counts.failed += 1;
          deps.metrics.secondLookPosts.inc({ forum: post.forumId, result: "failed" });
          deps.metrics.engineErrors.inc({ error: (error as Error).name });
          deps.logger.warn({ postId: post.id, err: (error as Error).message }, "second look failed; the prefilter's allow stands");
          return [];
        }
      }
    } finally {
      release();
    }
    return this.outputs(allowed, verdicts, performance.now() - started);
  }

  /** A violation: the decision at stage second_look and its records; all allows: only the audit record. */
  private outputs(allowed: Allowed, verdicts: readonly ModelVerdict[], latencyMs: number): OutboundRecord[] {
    const { deps } = this;
    const { post, screened } = allowed;
    this.count(allowed, "reviewed");
    // The funnel's random slice: the same hash of the post id as funnel audit sampling.
    const sampled = inAuditSample(post.id, deps.pipeline.auditSampleRate);
    for (const v of verdicts) {
      if (v.decision === "violate") deps.metrics.secondLookViolations.inc({ policy: v.policyId });
      if (sampled) this.tally.count(v.policyId, v.decision === "violate");
    }
    const now = this.now();
    if (verdicts.some((v) => v.decision === "violate")) {
      this.counts.violations += 1;
      const out = decide({
        post,
        policies: screened.policies,
        outcomes: verdicts.map((verdict) => ({ kind: "model", policyId: verdict.policyId, verdict })),
        stage: "second_look",
        policySetVersion: screened.policySetVersion,
        modelId: deps.engine.modelId,
        effort: deps.pipeline.effort ?? highestEffort(screened.policies.map((p) => p.reasoningEffort)),
        latencyMs,
        truncated: screened.truncated,
        windowsRead: 1,
        now,
      });
      return publishable(deps, { ...out, audit: out.audit && { ...out.audit, sampled } });
    }
    const entries = verdicts.map(auditEntryOf);
    // The decision in force stays the prefilter's allow: the audit names it.
    const audit: Audit = {
      decisionId: decisionId(post.id, screened.policySetVersion, [], "prefilter"),
      postId: post.id,
      stage: "second_look",
      modelId: deps.engine.modelId,
      entries,
      createdAt: now,
      sampled,
    };
    return [{ topic: deps.topics.audit, key: post.id, ...deps.codecs.audit.encode(audit) }];
  }
}
