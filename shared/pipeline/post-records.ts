import type { Redis } from "ioredis";
import type { Codecs } from "../codec/codecs.js";
import type { Decision, Post } from "../codec/records.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { RecordProcessor, RecordResult } from "../kafka/record-processor.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { Logger } from "../observability/logger.js";

/** What Arbiter keeps of a post it acted on: the post as it was moderated, and every policy that acted on it. */
export interface PostRecord {
  post: Post;
  /** Policies that said violate, or sent the post to a human (escalate), at any stage but appeal. */
  policyIds: string[];
}

/** A verdict that did something to the post: a violation, or a hold for the next tier or a human. */
function actingPolicies(decision: Decision): string[] {
  return decision.verdicts.filter((v) => v.decision === "violate" || v.escalate).map((v) => v.policyId);
}

const POST_FIELD = "post";
const POLICY_FIELD = "policy:";

/**
 * The posts Arbiter acted on, in Redis (`<prefix>post-record:<postId>`, a hash: the post as JSON,
 * and one field per policy that acted on it, naming the decision), expiring `ttlSeconds` after
 * the latest act. An appeal decides the post again from here, never from the text it brings:
 * the appeal's text could be anything. Written only by the primary and escalation stages, which
 * read posts from Arbiter's own input, never from appeals.
 */
export class PostRecords {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {}

  key(postId: string): string {
    return `${this.keyPrefix}post-record:${postId}`;
  }

  /** Keeps the post and the policies that acted in `decision`; nothing when none did. */
  async record(post: Post, decision: Decision): Promise<boolean> {
    const policies = actingPolicies(decision);
    if (policies.length === 0) return false;
    const key = this.key(post.id);
    const fields = policies.flatMap((id) => [`${POLICY_FIELD}${id}`, decision.decisionId]);
    const replies = await this.redis
      .multi()
      .hset(key, POST_FIELD, JSON.stringify({ ...post, threadId: post.threadId ?? null }), ...fields)
      .expire(key, this.ttlSeconds)
      .exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    return true;
  }

  /** The record of a post, or null when Arbiter never acted on it (or the record expired). */
  async get(postId: string): Promise<PostRecord | null> {
    const hash = await this.redis.hgetall(this.key(postId));
    const raw = hash[POST_FIELD];
    if (raw === undefined) return null;
    const policyIds = Object.keys(hash)
      .filter((field) => field.startsWith(POLICY_FIELD))
      .map((field) => field.slice(POLICY_FIELD.length))
      .sort();
    return { post: JSON.parse(raw) as Post, policyIds };
  }
}

export interface PostRecorderDeps {
  codecs: Pick<Codecs, "decision">;
  topics: Pick<TopicNames, "decisions">;
  logger: Logger;
}

/**
 * Wraps the primary or escalation processor: once a record's model-bound work is done, the post
 * is recorded when its decision acted, before the outputs go to Kafka (so the record exists by
 * the time the decision is seen). Only deferred results are looked at: a decision made without
 * the model (the prefilter's allow, a dead letter) acts on no policy. Redis failing costs the
 * record, never the decision: an appeal of a post with no record goes to a moderator.
 */
export class PostRecorder implements RecordProcessor {
  constructor(
    private readonly inner: RecordProcessor,
    private readonly records: PostRecords,
    private readonly deps: PostRecorderDeps,
    /** The post a consumed record holds (the posts topic's post, an escalation's post). */
    private readonly postOf: (record: InboundRecord) => Post,
  ) {}

  async processBatch(records: readonly InboundRecord[], signal: AbortSignal): Promise<RecordResult[]> {
    const results = await this.inner.processBatch(records, signal);
    return results.map((result, i): RecordResult => {
      if (result.kind === "ready") return result;
      // The inner result's order key (the post id) goes with it.
      return {
        ...result,
        run: async (runSignal) => {
          const outputs = await result.run(runSignal);
          await this.keep(records[i]!, outputs);
          return outputs;
        },
      };
    });
  }

  private async keep(record: InboundRecord, outputs: readonly OutboundRecord[]): Promise<void> {
    const { deps } = this;
    for (const output of outputs) {
      if (output.topic !== deps.topics.decisions) continue;
      let postId = record.key?.toString("utf8") ?? "";
      try {
        const decision = deps.codecs.decision.decode(output.value, output.headers);
        postId = decision.postId;
        if (actingPolicies(decision).length === 0) continue;
        await this.records.record(this.postOf(record), decision);
      } catch (error) {
        // Never the text: only the post id and why.
        deps.logger.error({ postId, err: (error as Error).message }, "could not record an acted-on post for appeals; an appeal of it goes to a moderator");
      }
    }
  }
}
