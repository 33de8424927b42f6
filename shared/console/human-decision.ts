import type { Decision, PolicyVerdict, Ticket } from "../codec/records.js";
import { actionOf, decisionId } from "../codec/decision-identity.js";

/** A moderator's answer to a ticket: the model read it right (confirm) or wrong (overturn). */
export type Verdict = "confirm" | "overturn";

/** The verdicts as the model read the ticket's post, each taken as sure. */
function asRead(ticket: Ticket): PolicyVerdict[] {
  return ticket.verdicts.map((v) => ({ ...v, escalate: false }));
}

/**
 * What the moderator's answer says of each policy: confirm keeps the model's reading; overturn
 * clears every violation or, where the model found none, makes the policies it was unsure of
 * (all when it was unsure of none) violations.
 */
function humanVerdicts(ticket: Ticket, verdict: Verdict): PolicyVerdict[] {
  const read = asRead(ticket);
  const violated = read.some((v) => v.decision === "violate");
  const unsure = new Set(ticket.verdicts.filter((v) => v.escalate).map((v) => v.policyId));
  return read.map((v) => {
    let decision = v.decision;
    if (verdict === "overturn") decision = violated ? "allow" : unsure.size === 0 || unsure.has(v.policyId) ? "violate" : "allow";
    return { ...v, decision, ruleIds: decision === "violate" ? v.ruleIds : [], confidence: 1, rationale: "", source: "human" };
  });
}

/** The action each answer would publish, for the buttons. */
export function answerAction(ticket: Ticket, verdict: Verdict): Decision["action"] {
  return actionOf(humanVerdicts(ticket, verdict));
}

/**
 * The decision (stage human) a moderator's answer publishes. Its id is deterministic per ticket
 * and answer, so a double submit is one decision to the auto-hide sink. The note stays in the
 * moderator log: decisions go to the product. It names the moderator who decided (`decidedBy`).
 */
export function humanDecision(ticket: Ticket, verdict: Verdict, now: number, moderator: string): Decision {
  const verdicts = humanVerdicts(ticket, verdict);
  const policySetVersion = ticket.policySetVersion || "unknown";
  return {
    decisionId: decisionId(ticket.post.id, policySetVersion, verdicts, "human", `${ticket.ticketId}:${verdict}`),
    postId: ticket.post.id,
    forumId: ticket.post.forumId,
    action: actionOf(verdicts),
    stage: "human",
    policySetVersion,
    verdicts,
    modelId: null,
    effort: null,
    latencyMs: 0,
    truncated: false,
    postCreatedAt: ticket.post.createdAt,
    decidedAt: now,
    replayId: null,
    ticketId: ticket.ticketId,
    appealId: null,
    unreadable: null,
    decidedBy: moderator,
  };
}
