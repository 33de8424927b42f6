import { createHash } from "node:crypto";
import type { Decision, PolicyVerdict, Ticket } from "../codec/records.js";
import { assertNever } from "../errors/assert-never.js";
import type { DsaMapping } from "../policy/dsa-mapping.js";

/*
 * A statement of reasons for the EU's DSA Transparency Database, as its API takes it. Field
 * names, enums and limits follow the database's own source
 * (github.com/digital-services-act/transparency-database: app/Http/Requests/StatementStoreRequest.php
 * for the rules, app/Models/Statement.php for the enums) and its API documentation
 * (resources/markdown/api-documentation.md). docs/dsa.md says what is mapped from where.
 */

export type AutomatedDecision = "AUTOMATED_DECISION_FULLY" | "AUTOMATED_DECISION_PARTIALLY" | "AUTOMATED_DECISION_NOT_AUTOMATED";

/** The fields Arbiter fills (the API knows more: monetary, provision and account restrictions, which Arbiter never makes). */
export interface StatementOfReasons {
  decision_visibility: ("DECISION_VISIBILITY_CONTENT_DISABLED" | "DECISION_VISIBILITY_CONTENT_LABELLED" | "DECISION_VISIBILITY_OTHER")[];
  decision_visibility_other?: string;
  decision_ground: "DECISION_GROUND_ILLEGAL_CONTENT" | "DECISION_GROUND_INCOMPATIBLE_CONTENT";
  decision_ground_reference_url: string;
  illegal_content_legal_ground?: string;
  illegal_content_explanation?: string;
  incompatible_content_ground?: string;
  incompatible_content_explanation?: string;
  category: string;
  category_addition?: string[];
  category_specification?: string[];
  category_specification_other?: string;
  content_type: ["CONTENT_TYPE_TEXT"];
  territorial_scope: string[];
  /** Y-m-d. */
  content_date: string;
  /** Y-m-d. */
  application_date: string;
  decision_facts: string;
  source_type: "SOURCE_VOLUNTARY";
  automated_detection: "Yes" | "No";
  automated_decision: AutomatedDecision;
  puid: string;
}

/** The API's limits (StatementStoreRequest: `max:N`, a count of characters). */
export const LIMITS = { facts: 5000, explanation: 2000, ground: 500, other: 500, puid: 500 } as const;

/** Cuts `text` to `max` characters (code points), ending in an ellipsis when cut. */
export function within(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

const shortHash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

/**
 * The platform unique id of a decision's statement. The API takes only `a-zA-Z0-9`, `-` and `_`,
 * at most 500 characters ("puid" in the API documentation; the rule `regex:/^[a-zA-Z0-9-_]+$/D`).
 * A decision id holds `:` and a post id may hold anything, so every other character becomes `_`
 * and a hash of the whole id keeps two ids that differ only there apart. Deterministic: the same
 * decision gives the same puid on every export, and the database refuses a repeat (422).
 */
export function puidOf(decisionId: string): string {
  const readable = decisionId.replace(/[^a-zA-Z0-9-]/g, "_");
  return `${readable.slice(0, LIMITS.puid - 13)}-${shortHash(decisionId)}`;
}

/** Y-m-d (UTC). */
export const ymd = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The policies a decision restricts under: its violations whose policy acts that way, the one named first that decides. */
export interface StatementPolicy {
  id: string;
  title: string;
  dsa: DsaMapping | undefined;
}

export interface StatementContext {
  /** The policies by id (their current front matter: the mapping). */
  policies: ReadonlyMap<string, StatementPolicy>;
  /** The ticket a human decision answered, when it is known (to tell a confirmation from a moderator's own decision). */
  ticket: Ticket | null;
  /** `territorial_scope`: ISO codes of the EEA states the decision applies in. */
  territorialScope: readonly string[];
}

/** Why a decision has no statement. */
export type NoStatement = { reason: "not-a-restriction" } | { reason: "replay" } | { reason: "no-violation" } | { reason: "unmapped"; policyId: string };

/**
 * How automated the decision was, as the API asks: FULLY for the model's own decision, PARTIALLY
 * when a moderator confirmed what the model read, NOT_AUTOMATED when the moderator decided
 * otherwise (or the ticket is not known: no claim of automation is made).
 */
export function automationOf(decision: Decision, ticket: Ticket | null): AutomatedDecision {
  switch (decision.stage) {
    case "prefilter":
    case "primary":
    case "escalation":
    case "second_look":
    case "appeal":
    case "replay":
      return "AUTOMATED_DECISION_FULLY";
    case "human":
      return ticket !== null && humanConfirmed(decision, ticket) ? "AUTOMATED_DECISION_PARTIALLY" : "AUTOMATED_DECISION_NOT_AUTOMATED";
    default:
      return assertNever(decision.stage);
  }
}

/** A moderator's decision agrees with the model's reading of the ticket: every policy's verdict the same. */
export function humanConfirmed(decision: Decision, ticket: Ticket): boolean {
  const read = new Map(ticket.verdicts.map((v) => [v.policyId, v.decision]));
  return decision.verdicts.every((v) => read.get(v.policyId) === v.decision);
}

/** The verdicts behind a restriction: the violations whose policy's action the decision carries out. */
function groundVerdicts(decision: Decision): PolicyVerdict[] {
  return decision.verdicts.filter((v) => {
    if (v.decision !== "violate") return false;
    switch (decision.action) {
      case "HIDE":
        return v.onViolate === "hide" || v.onViolate === "review";
      case "BANNER":
        return v.onViolate === "banner";
      case "ALLOW":
      case "REVIEW":
        return false;
      default:
        return assertNever(decision.action);
    }
  });
}

const STAGE_WORDS: Record<Decision["stage"], string> = {
  prefilter: "by keyword rules",
  primary: "by automated classification",
  escalation: "by automated classification at the escalation tier",
  second_look: "by automated classification of a post the keyword rules had let through",
  appeal: "again, after an appeal, by automated classification",
  human: "by a moderator",
  replay: "in a replay",
};

/**
 * The statement for a decision, or why there is none: HIDE and BANNER are restrictions of
 * visibility (a hidden post: access disabled; a banner: labelled content); ALLOW and REVIEW
 * restrict nothing. Replay and shadow decisions never get one. The text is built from the
 * decision's facts and the policy's own words only: never the post, its author, the model's
 * rationale or its reasoning.
 */
export function statementFor(decision: Decision, context: StatementContext): { statement: StatementOfReasons } | { skipped: NoStatement } {
  if (decision.stage === "replay" || decision.replayId !== null) return { skipped: { reason: "replay" } };
  let visibility: StatementOfReasons["decision_visibility"];
  switch (decision.action) {
    case "HIDE":
      visibility = ["DECISION_VISIBILITY_CONTENT_DISABLED"];
      break;
    case "BANNER":
      visibility = ["DECISION_VISIBILITY_CONTENT_LABELLED"];
      break;
    case "ALLOW":
    case "REVIEW":
      return { skipped: { reason: "not-a-restriction" } };
    default:
      return assertNever(decision.action);
  }
  const grounds = groundVerdicts(decision);
  if (grounds.length === 0) return { skipped: { reason: "no-violation" } };
  const mapped: { verdict: PolicyVerdict; policy: StatementPolicy; dsa: DsaMapping }[] = [];
  for (const verdict of grounds) {
    const policy = context.policies.get(verdict.policyId);
    if (!policy?.dsa) return { skipped: { reason: "unmapped", policyId: verdict.policyId } };
    mapped.push({ verdict, policy, dsa: policy.dsa });
  }
  const first = mapped[0]!;
  const { dsa } = first;
  const rules = (m: (typeof mapped)[number]) => (m.verdict.ruleIds.length > 0 ? ` (rule ${m.verdict.ruleIds.join(", ")})` : "");
  const named = mapped.map((m) => `"${m.policy.title}"${rules(m)}`).join("; ");
  const explanation = within(
    dsa.explanation ?? `The content breaks the policy "${first.policy.title}"${rules(first)} of the terms of service.`,
    LIMITS.explanation,
  );
  const ground = within(`${first.policy.title} (policy ${first.policy.id})`, LIMITS.ground);
  const automation = automationOf(decision, context.ticket);
  const effect = decision.action === "HIDE" ? "hidden from view" : "shown under a safety banner";
  const facts = [
    `A post in forum ${decision.forumId} was ${effect} on ${ymd(decision.decidedAt)}, decided ${STAGE_WORDS[decision.stage]}, under ${named}.`,
    automation === "AUTOMATED_DECISION_PARTIALLY" ? "A moderator reviewed the automated finding and confirmed it." : null,
    automation === "AUTOMATED_DECISION_NOT_AUTOMATED" ? "A moderator reviewed the post and decided." : null,
    decision.truncated ? "The post was longer than the part read; a violation in the part read decided it." : null,
    decision.unreadable !== null ? "The post could not be read and was restricted as the operator's settings direct." : null,
  ]
    .filter((line): line is string => line !== null)
    .join(" ");
  const categories = [...new Set(mapped.map((m) => m.dsa.category))];
  const specification = [...new Set(mapped.flatMap((m) => m.dsa.specification))];
  const specificationOther = mapped.map((m) => m.dsa.specificationOther).find((o) => o !== null) ?? null;
  const statement: StatementOfReasons = {
    decision_visibility: visibility,
    decision_ground: dsa.ground === "illegal" ? "DECISION_GROUND_ILLEGAL_CONTENT" : "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    decision_ground_reference_url: dsa.tosUrl,
    ...(dsa.ground === "illegal"
      ? { illegal_content_legal_ground: within(dsa.legalGround ?? ground, LIMITS.ground), illegal_content_explanation: explanation }
      : { incompatible_content_ground: ground, incompatible_content_explanation: explanation }),
    category: dsa.category,
    ...(categories.length > 1 ? { category_addition: categories.slice(1) } : {}),
    ...(specification.length > 0 ? { category_specification: specification } : {}),
    ...(specification.includes("KEYWORD_OTHER") && specificationOther !== null ? { category_specification_other: specificationOther } : {}),
    content_type: ["CONTENT_TYPE_TEXT"],
    territorial_scope: [...context.territorialScope],
    // The API takes content dates from 2000-01-01: a post without a plausible date is dated by the decision.
    content_date: ymd(decision.postCreatedAt >= Date.UTC(2000, 0, 1) ? decision.postCreatedAt : decision.decidedAt),
    application_date: ymd(decision.decidedAt),
    decision_facts: within(facts, LIMITS.facts),
    source_type: "SOURCE_VOLUNTARY",
    // Every post reaches a decision through the pipeline: the prefilter and the model flagged it.
    automated_detection: "Yes",
    automated_decision: automation,
    puid: puidOf(decision.decisionId),
  };
  return { statement };
}
