import type { Action, PolicyVerdict } from "../codec/records.js";
import type { PolicySet } from "../policy/policy-set.js";
import { ruleTexts } from "../policy/rule-texts.js";
import type { Prefilter } from "../prefilter/prefilter.js";
import type { StoredAudit, StoredTicket } from "./console-store.js";
import type { TextSpan } from "./highlighted-text.js";
import { answerAction } from "./human-decision.js";

export interface PolicyFinding {
  verdict: PolicyVerdict;
  title: string | null;
  /** The version of the policy file the console has loaded, when it differs from the verdict's (its rule texts may have moved). */
  loadedVersion: string | null;
  rules: { id: string; text: string | null }[];
}

export interface ReasoningBlock {
  stage: string;
  modelId: string | null;
  createdAt: number;
  /** `audit`: from the audit topic; `ticket`: carried on the ticket (the audit record is not here, or expired). */
  source: "audit" | "ticket";
  entries: { policyId: string; policyVersion: string; reasoning: string; error: string | null }[];
}

/** Everything the ticket page shows, worked out from the stored records and the policies in force. */
export interface TicketView {
  stored: StoredTicket;
  hits: TextSpan[];
  /** Set when the hits come from other policy versions than the verdicts'. */
  hitsNote: string | null;
  findings: PolicyFinding[];
  reasoning: ReasoningBlock[];
  answers: { confirm: Action; overturn: Action };
}

/**
 * The ticket page's content. Records carry no prefilter offsets, so the hits are found again
 * with the console's prefilter over the policies it loaded (the same files, hence the same
 * offsets, as long as the versions match; the page says when they do not).
 */
export function ticketView(stored: StoredTicket, audits: readonly StoredAudit[], policies: PolicySet, prefilter: Prefilter): TicketView {
  const { ticket } = stored;
  const match = prefilter.match(ticket.post.text, ticket.post.forumId);
  const hits = match.policies.flatMap((p) => p.hits.map((h) => ({ start: h.start, end: h.end, label: `${p.policyId}: ${h.term}` })));
  const findings = ticket.verdicts.map((verdict): PolicyFinding => {
    const policy = policies.get(verdict.policyId);
    const texts = policy
      ? ruleTexts(
          policy.body,
          policy.rules.map((r) => r.id),
        )
      : new Map<string, string>();
    return {
      verdict,
      title: policy?.title ?? null,
      loadedVersion: policy && policy.version !== verdict.policyVersion ? policy.version : null,
      rules: verdict.ruleIds.map((id) => ({ id, text: texts.get(id) ?? null })),
    };
  });
  const moved = findings.filter((f) => f.loadedVersion !== null || f.title === null).map((f) => f.verdict.policyId);
  const reasoning: ReasoningBlock[] = audits.map((a) => ({
    stage: a.stage,
    modelId: a.modelId,
    createdAt: a.createdAt,
    source: "audit",
    entries: a.entries.map((e) => ({ policyId: e.policyId, policyVersion: e.policyVersion, reasoning: e.reasoning, error: e.error })),
  }));
  if (ticket.reasoning.length > 0 && !audits.some((a) => a.decisionId === ticket.decisionId)) {
    reasoning.push({
      stage: ticket.stage,
      modelId: null,
      createdAt: ticket.createdAt,
      source: "ticket",
      entries: ticket.reasoning.map((r) => ({ ...r, error: null })),
    });
  }
  return {
    stored,
    hits,
    hitsNote: moved.length > 0 ? `Highlights come from the policies loaded now; ${moved.join(", ")} changed since the verdict (or is no longer loaded).` : null,
    findings,
    reasoning,
    answers: { confirm: answerAction(ticket, "confirm"), overturn: answerAction(ticket, "overturn") },
  };
}
