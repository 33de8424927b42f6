import type { Ticket } from "../../codec/records.js";

/** The console's page of a ticket. */
export function ticketLink(consoleUrl: string, ticketId: string): string {
  return `${consoleUrl.replace(/\/+$/, "")}/tickets/${encodeURIComponent(ticketId)}`;
}

/**
 * A ticket as the ticket system receives it (JSON): the post, each policy's verdict, the rule ids,
 * the rationales, the model's reasoning (moderators only: tickets never reach the product), the
 * policy versions and a link to the console.
 */
export function ticketPayload(ticket: Ticket, consoleUrl: string): Record<string, unknown> {
  const { post } = ticket;
  return {
    ticketId: ticket.ticketId,
    decisionId: ticket.decisionId,
    stage: ticket.stage,
    reason: ticket.reason,
    appealId: ticket.appealId,
    createdAt: new Date(ticket.createdAt).toISOString(),
    post: {
      id: post.id,
      forumId: post.forumId,
      authorId: post.authorId,
      threadId: post.threadId ?? null,
      text: post.text,
      language: post.language,
      createdAt: new Date(post.createdAt).toISOString(),
      metadata: post.metadata,
    },
    verdicts: ticket.verdicts.map((v) => ({
      policyId: v.policyId,
      policyVersion: v.policyVersion,
      decision: v.decision,
      confidence: v.confidence,
      ruleIds: v.ruleIds,
      rationale: v.rationale,
      source: v.source,
      escalate: v.escalate,
      onViolate: v.onViolate,
      page: v.page,
    })),
    ruleIds: [...new Set(ticket.verdicts.flatMap((v) => v.ruleIds))],
    rationale: ticket.verdicts
      .filter((v) => v.rationale !== "")
      .map((v) => `${v.policyId}: ${v.rationale}`)
      .join("\n"),
    reasoning: ticket.reasoning.map((r) => ({ policyId: r.policyId, policyVersion: r.policyVersion, reasoning: r.reasoning })),
    policySetVersion: ticket.policySetVersion,
    policyVersions: Object.fromEntries(ticket.verdicts.map((v) => [v.policyId, v.policyVersion])),
    links: { console: ticketLink(consoleUrl, ticket.ticketId) },
  };
}
