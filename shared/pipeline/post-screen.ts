import type { Post } from "../codec/records.js";
import type { InputSettings } from "../codec/codec-settings.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import { decide, prefilterDecision } from "./decide.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { PrefilterPort } from "./ports.js";
import { readPost, type PostDecoder } from "../codec/post-input.js";
import { encodeDecision } from "./output-records.js";
import { deadLetterRecord } from "../codec/dead-letter-record.js";
import { deadLetterCode } from "../errors/arbiter-error.js";
import { type Codecs } from "../codec/codecs.js";
import type { VerdictOutcome } from "./verdict-outcome.js";
import { unreadableRecords } from "./unreadable-post.js";

export interface ScreenDeps {
  codecs: Codecs;
  topics: TopicNames;
  input: InputSettings;
  /** The decoder of posts in the Confluent wire format; set exactly when input.format is confluent-avro. */
  confluentPosts?: PostDecoder | null;
  prefilter: PrefilterPort;
  now: () => number;
}

/**
 * What the first, pure stage made of a record: finished (a dead letter, or a post no policy
 * sends to the model, decided at the prefilter) or bound for the model stage.
 */
export type ScreenResult =
  | { kind: "decided"; records: OutboundRecord[]; stage: string; action: string }
  | { kind: "dead-letter"; records: OutboundRecord[]; reason: string; errorClass: string; message: string }
  | {
      kind: "to-model";
      post: Post;
      policySetVersion: string;
      /** The policies that apply to the post's forum, and those of them the model must decide. */
      policyIds: string[];
      toModel: string[];
      modelText: string;
      truncated: boolean;
      cacheText: string;
      screenMs: number;
    };

/**
 * decode -> validate -> prefilter; decides and encodes at once when no policy needs the model.
 * Never throws for bad input: a record that cannot be read or encoded gets a dead letter and,
 * when its post id can be recovered, a decision unread (`input.onUnreadable`); the other records
 * of the chunk are not touched.
 */
export function screenRecord(record: InboundRecord, deps: ScreenDeps): ScreenResult {
  let post: Post;
  try {
    post = readPost(record, deps.input.format, deps.input.maxRecordBytes, deps.confluentPosts ?? deps.codecs.post);
  } catch (error) {
    return unreadable(record, deps, error as Error, "decode", null);
  }
  try {
    return screenPost(post, deps);
  } catch (error) {
    return unreadable(record, deps, error as Error, "process", post);
  }
}

function unreadable(record: InboundRecord, deps: ScreenDeps, e: Error, stage: string, post: Post | null): ScreenResult {
  const now = deps.now();
  const letter = deadLetterRecord(deps, record, e, stage, now);
  const decided = unreadableRecords(deps, deps.prefilter.policySetVersion, record, e, stage, now, post);
  return { kind: "dead-letter", records: [letter, ...decided], reason: deadLetterCode(e) ?? e.name, errorClass: e.name, message: e.message };
}

function screenPost(post: Post, deps: ScreenDeps): ScreenResult {
  const started = performance.now();
  const screened = deps.prefilter.match(post.text, post.forumId);
  if (screened.toModel.size > 0) {
    return {
      kind: "to-model",
      post,
      policySetVersion: screened.policySetVersion,
      policyIds: screened.policies.map((p) => p.id),
      toModel: [...screened.toModel],
      modelText: screened.modelText,
      truncated: screened.truncated,
      cacheText: screened.cacheText(),
      screenMs: performance.now() - started,
    };
  }
  const decision = prefilterDecision({
    post,
    policySetVersion: screened.policySetVersion,
    latencyMs: performance.now() - started,
    now: deps.now(),
  });
  return { kind: "decided", records: [encodeDecision(deps, decision)], stage: decision.stage, action: decision.action };
}

/**
 * The result for a record whose screen thread hung on it (see ScreenPool): it is never screened
 * again. The post is decided REVIEW, every policy of its forum failed with the timeout (the
 * verdicts, the audit and the escalation name it), so a person reads it; a record that does not
 * decode is a dead letter as in {@link screenRecord}.
 */
export function screenTimedOut(record: InboundRecord, deps: ScreenDeps, error: Error): ScreenResult {
  let post: Post;
  try {
    post = readPost(record, deps.input.format, deps.input.maxRecordBytes, deps.confluentPosts ?? deps.codecs.post);
  } catch (e) {
    const decodeError = e as Error;
    const letter = deadLetterRecord(deps, record, decodeError, "decode", deps.now());
    return {
      kind: "dead-letter",
      records: [letter],
      reason: deadLetterCode(decodeError) ?? decodeError.name,
      errorClass: decodeError.name,
      message: decodeError.message,
    };
  }
  const policies = deps.prefilter.policiesFor(post.forumId);
  const outcomes: VerdictOutcome[] = policies.map((p) => ({ kind: "failure", policyId: p.id, errorClass: error.name, message: error.message, attempts: 1 }));
  const out = decide({
    post,
    policies,
    outcomes,
    stage: "primary",
    policySetVersion: deps.prefilter.policySetVersion,
    modelId: null,
    effort: null,
    latencyMs: 0,
    truncated: false,
    now: deps.now(),
  });
  const key = out.decision.postId;
  const records: OutboundRecord[] = [encodeDecision(deps, out.decision)];
  if (out.audit) records.push({ topic: deps.topics.audit, key, ...deps.codecs.audit.encode(out.audit) });
  if (out.escalation) records.push({ topic: deps.topics.escalations, key, ...deps.codecs.escalation.encode(out.escalation) });
  return { kind: "decided", records, stage: out.decision.stage, action: out.decision.action };
}
