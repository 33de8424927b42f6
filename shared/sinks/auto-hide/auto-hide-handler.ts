import type { Decision } from "../../codec/records.js";
import type { TopicNames } from "../../kafka/kafka-settings.js";
import type { Logger } from "../../observability/logger.js";
import type { InboundRecord, OutboundRecord } from "../../kafka/consumed-record.js";
import type { Codecs } from "../../codec/codecs.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { isRetriable } from "../../errors/arbiter-error.js";
import type { RecordResult } from "../../kafka/record-processor.js";
import type { RecordHandler } from "../sink-processor.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import { decodeOrDeadLetter, sinkDeadLetter } from "../sink-dead-letter.js";
import { checkIds } from "../record-ids.js";
import type { SinkMetrics } from "../sink-metrics.js";
import type { ForumClient } from "./forum-client.js";
import { planActions, UNTOUCHED, type PostActionState } from "./post-action-plan.js";
import type { PostActionStore } from "./post-action-store.js";
import type { PagerRateLimiter } from "./pager-rate-limiter.js";

export interface AutoHideDeps {
  codecs: Codecs;
  topics: TopicNames;
  store: PostActionStore;
  forum: ForumClient;
  /** Unset: pages are not limited. */
  pagerLimit?: PagerRateLimiter;
  /** For the state store's reads and writes (Redis away: wait, never act blind). */
  retry: RetryPolicy;
  metrics: SinkMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * The auto-hide sink's per-decision logic: what was done to the post (Redis) + the decision →
 * the plan ({@link planActions}) → forum calls, the state saved after each. A call the forum
 * refuses (4xx), or one that outlasts the retries, ends in a dead letter with the response.
 */
export class AutoHideHandler implements RecordHandler {
  private readonly now: () => number;

  constructor(private readonly deps: AutoHideDeps) {
    this.now = deps.now ?? Date.now;
  }

  handle(record: InboundRecord): RecordResult {
    this.deps.metrics.consumed.inc({ topic: "decisions" });
    const decoded = decodeOrDeadLetter(this.deps, "decision", record);
    if ("deadLetter" in decoded) return { kind: "ready", outputs: [decoded.deadLetter] };
    const decision = decoded.value;
    try {
      checkIds([
        ["postId", decision.postId],
        ["forumId", decision.forumId],
        ["decisionId", decision.decisionId],
      ]);
    } catch (error) {
      return { kind: "ready", outputs: [sinkDeadLetter(this.deps, record, error as Error, "validate", null, this.now())] };
    }
    return { kind: "deferred", run: (signal) => this.apply(record, decision, signal) };
  }

  private async apply(record: InboundRecord, decision: Decision, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    const { postId } = decision;
    const save = (state: PostActionState) => deps.retry.run(() => deps.store.save(postId, state), signal);
    const known = await deps.retry.run(() => deps.store.get(postId), signal);
    const plan = planActions(known ?? UNTOUCHED, decision, { modelHideIsTicket: deps.forum.modelHideIsTicket(decision.forumId) });
    if (plan.kind === "skip") {
      deps.metrics.skipped.inc({ reason: plan.reason });
      if (plan.reason === "human-decided")
        deps.logger.info(
          { postId, decisionId: decision.decisionId, stage: decision.stage },
          "a moderator decided this post: the model's decision is not applied",
        );
      // Nothing to remember about a post that was never touched and still is not (most ALLOWs).
      if (plan.reason !== "duplicate" && (known !== null || plan.final.decidedBy === "human")) await save(plan.final);
      return [];
    }
    let reached: PostActionState = known ?? UNTOUCHED;
    for (const [i, step] of plan.steps.entries()) {
      if (step.call === "page" && deps.pagerLimit) {
        const limit = deps.pagerLimit;
        const refusal = await deps.retry.run(() => limit.take(decision.forumId, postId), signal);
        if (refusal) {
          // Not paged: a later decision about the post may page once the window has room. Page is the plan's last step.
          deps.metrics.skipped.inc({ reason: `page-${refusal}` });
          deps.logger.warn({ postId, forumId: decision.forumId, decisionId: decision.decisionId, limit: refusal }, "pager rate limit reached: not paged");
          await save({ ...plan.final, paged: reached.paged });
          return [];
        }
      }
      try {
        await deps.forum.perform(step.call, decision, signal);
      } catch (error) {
        if (signal.aborted || isRetriable(error)) throw error;
        // Refused for good: remember how far it got, who decided, and that this decision is done with.
        await save({ ...reached, decidedBy: plan.final.decidedBy, handled: plan.final.handled });
        return [sinkDeadLetter(deps, record, error as Error, "deliver", HttpCallError.exchangeOf(error), this.now())];
      }
      deps.logger.info({ postId, decisionId: decision.decisionId, stage: decision.stage, call: step.call }, "forum call done");
      reached = i === plan.steps.length - 1 ? plan.final : step.after;
      await save(reached);
    }
    return [];
  }
}
