import type { Decision, HttpExchange } from "../../codec/records.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";

/** The platforms the auto-hide sink speaks to; `http` is the URL-template forum. */
export type PlatformName = "discourse" | "lemmy" | "reddit" | "nodebb" | "discord" | "http";

/** Platforms where a model's hide is only a ticket for the moderators (Discord: a delete cannot be undone); a moderator's hide is the real one. */
export const MODEL_HIDE_IS_TICKET: ReadonlySet<PlatformName> = new Set<PlatformName>(["discord"]);

/** Who a platform call is about, for the forum's rate limit and the logs: a decision, or a ticket ({@link ReviewTicket}). */
export type CallSubject = Pick<Decision, "postId" | "forumId" | "decisionId">;

/**
 * A ticket as a platform's review queue takes it (built by the ticket sink): the post's ids and
 * what Arbiter found, never the post's text and never a model's rationale (which may quote it).
 */
export interface ReviewTicket extends CallSubject {
  ticketId: string;
  /** The same for a repeated ticket (the ticket sink's ticket identity): nonces are made from it. */
  identity: string;
  /** One line for a queue's reason field, e.g. `Arbiter escalation: self-harm (rules r1, r2)`; each adapter cuts it to its platform's limit. */
  summary: string;
  /** Lines of a longer message (a Discourse flag's message to the moderators, a Discord channel message): summary, policies, console link. */
  lines: string[];
}

/**
 * One forum's moderation API as the auto-hide sink drives it. `perform` makes one call for one
 * decision; a call already in effect on the platform (a repeated hide) resolves as success. It
 * throws a retriable error (an ArbiterError whose `retriable` is true, e.g. HttpCallError on
 * 5xx, 408, 429 or no answer) to be retried, and a non-retriable one for a refusal, which the
 * handler dead-letters.
 */
export interface PlatformAdapter {
  readonly platform: PlatformName;
  perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange>;
  /**
   * Puts a ticket in the platform's own review queue (a Discourse flag, a Lemmy or Reddit report,
   * a NodeBB flag, a message in the Discord moderators' channel); absent where the platform has
   * none (`http`). A ticket already in the queue (a repeat) resolves as success; errors as `perform`'s.
   */
  report?(ticket: ReviewTicket, signal: AbortSignal): Promise<HttpExchange>;
}
