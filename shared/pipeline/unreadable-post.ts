import type { Codecs } from "../codec/codecs.js";
import type { InputSettings } from "../codec/codec-settings.js";
import { decisionId } from "../codec/decision-identity.js";
import { MAX_CREATED_AT_MS, unreadablePost, type UnreadablePost } from "../codec/post-input.js";
import type { Decision, Post, Ticket } from "../codec/records.js";
import { deadLetterCode } from "../errors/arbiter-error.js";
import type { InboundRecord, OutboundRecord } from "../kafka/consumed-record.js";
import type { TopicNames } from "../kafka/kafka-settings.js";

// A post that cannot be read still gets a decision, besides its dead letter: a product that shows
// posts by default would otherwise show it unmoderated.

export interface UnreadableDeps {
  codecs: Codecs;
  topics: TopicNames;
  input: Pick<InputSettings, "format" | "maxRecordBytes" | "onUnreadable">;
}

/** The reason on the decision: where it failed and why (error messages name fields, never post text), capped. */
const MAX_REASON_CHARS = 500;

export function unreadableReason(error: Error, stage: string): string {
  const code = deadLetterCode(error);
  const reason = `${stage}: ${code ? `${error.name}:${code}` : error.name}: ${error.message}`;
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}

/** What is known of a post that was read but could not be processed: its own fields, where they are sound. */
function knownPost(post: Post): UnreadablePost {
  const createdAt = Number.isSafeInteger(post.createdAt) && post.createdAt >= 0 && post.createdAt <= MAX_CREATED_AT_MS ? post.createdAt : 0;
  return { id: post.id, forumId: typeof post.forumId === "string" ? post.forumId : "", createdAt };
}

/**
 * The decision (stage primary, action `input.onUnreadable`, `unreadable` set) and, for REVIEW, the
 * ticket for a record that failed at `stage`, keyed by the post id: the post's own when it was
 * read, else what {@link unreadablePost} recovers. Empty when no id can be recovered, or when even
 * these records cannot be encoded: the dead letter is then the record's only output.
 */
export function unreadableRecords(
  deps: UnreadableDeps,
  policySetVersion: string,
  record: InboundRecord,
  error: Error,
  stage: string,
  now: number,
  post: Post | null = null,
): OutboundRecord[] {
  try {
    const known = post ? knownPost(post) : unreadablePost(record, deps.input.format, deps.input.maxRecordBytes);
    if (!known) return [];
    const reason = unreadableReason(error, stage);
    const action = deps.input.onUnreadable;
    // Its own identity: a later readable copy of the post gets a decision of its own.
    const id = decisionId(known.id, policySetVersion, [], "primary", "unreadable");
    const decision: Decision = {
      decisionId: id,
      postId: known.id,
      forumId: known.forumId,
      action,
      stage: "primary",
      policySetVersion,
      verdicts: [],
      modelId: null,
      effort: null,
      latencyMs: 0,
      truncated: false,
      postCreatedAt: known.createdAt,
      decidedAt: now,
      replayId: null,
      ticketId: null,
      appealId: null,
      unreadable: reason,
    };
    const records: OutboundRecord[] = [{ topic: deps.topics.decisions, key: known.id, ...deps.codecs.decision.encode(decision) }];
    if (action === "REVIEW") {
      const ticket: Ticket = {
        ticketId: `${id}:ticket`,
        decisionId: id,
        post: {
          id: known.id,
          forumId: known.forumId,
          authorId: "",
          // The moderator reads where the record is, not its bytes: they may be anything.
          text: `(unreadable post: ${reason}. The record is on the dead-letter topic: ${record.topic} partition ${record.partition} offset ${record.offset}.)`,
          language: null,
          createdAt: known.createdAt,
          metadata: {},
          threadId: null,
        },
        verdicts: [],
        reason: `unreadable: ${reason}`,
        stage: "primary",
        policySetVersion,
        reasoning: [],
        appealId: null,
        createdAt: now,
      };
      records.push({ topic: deps.topics.tickets, key: known.id, ...deps.codecs.ticket.encode(ticket) });
    }
    return records;
  } catch {
    return [];
  }
}
