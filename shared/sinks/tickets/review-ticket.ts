import type { Ticket } from "../../codec/records.js";
import type { ReviewTicket } from "../platforms/platform-adapter.js";
import { ticketIdentity } from "./ticket-identity.js";
import { ticketLink } from "./ticket-payload.js";

/** Longest ticket reason put in a platform's queue (a failure's reason can be long; the console has all of it). */
const REASON_LIMIT = 300;

/**
 * A ticket as a platform's review queue gets it: ids, stage, reason, each policy's verdict (rules
 * and confidence) and the console link. Never the post's text (the platform has the post), and
 * never a rationale or the model's reasoning (they may quote the post): those stay in the console.
 */
export function reviewTicket(ticket: Ticket, consoleUrl: string): ReviewTicket {
  const reason = ticket.reason.length > REASON_LIMIT ? `${ticket.reason.slice(0, REASON_LIMIT - 1)}…` : ticket.reason;
  const verdicts = ticket.verdicts.map(
    (v) => `policy ${v.policyId} ${v.policyVersion}: ${v.decision}, rules ${v.ruleIds.join(", ") || "(none)"}, confidence ${v.confidence.toFixed(2)}`,
  );
  return {
    ticketId: ticket.ticketId,
    identity: ticketIdentity(ticket),
    postId: ticket.post.id,
    forumId: ticket.post.forumId,
    decisionId: ticket.decisionId,
    summary: `Arbiter ${ticket.stage}: ${reason || "review asked for"}`,
    lines: [
      `Arbiter asks a moderator to review this post (ticket ${ticket.ticketId}, stage ${ticket.stage}).`,
      `reason: ${reason || "(none given)"}`,
      ...verdicts,
      `console: ${ticketLink(consoleUrl, ticket.ticketId)}`,
    ],
  };
}
