import { actionOf, decisionId } from "../codec/decision-identity.js";
import type { Audit, AuditEntry, Decision, Escalation, EscalationReason, PolicyVerdict, Post, Stage, Ticket, TicketReasoning } from "../codec/records.js";
import type { PolicyAction } from "../policy/policy.js";
import type { PipelinePolicy } from "./ports.js";
import type { VerdictOutcome } from "./verdict-outcome.js";

export interface DecideInput {
  post: Post;
  policies: readonly PipelinePolicy[];
  outcomes: readonly VerdictOutcome[];
  stage: Exclude<Stage, "prefilter">;
  policySetVersion: string;
  modelId: string | null;
  effort: string | null;
  latencyMs: number;
  /** The model did not read all of the post (past `maxWindows`, or it stopped at a violation): none of its allows stands, each goes to review. */
  truncated: boolean;
  /** Windows of the post the model read now (0: none; a post within the budget is one). */
  windowsRead?: number;
  now: number;
  replayId?: string | null;
  /** Verdicts decided earlier (escalation stage) for policies not decided again now. */
  earlier?: readonly PolicyVerdict[];
  /** Stage appeal: the appeal answered (each appeal gets its own decision). */
  appealId?: string | null;
}

export interface DecideOutput {
  decision: Decision;
  audit: Audit | null;
  /** Primary and second-look stages: the post goes to the escalation tier. */
  escalation: Escalation | null;
  /** Escalation stage: the post goes to a human. */
  ticket: Ticket | null;
}

/** Whether a model's violation of a policy with this action always goes to a human, however sure (review: the policy only ever raises tickets). */
const violationToHuman: Record<PolicyAction, boolean> = { hide: false, review: true, banner: false };

/** A model's (or the cache's) allow of a post the model did not read whole: it says nothing of the rest. */
function unreadAllow(outcome: VerdictOutcome, truncated: boolean): boolean {
  return truncated && (outcome.kind === "model" || outcome.kind === "cache") && outcome.verdict.decision === "allow";
}

function escalationReason(outcome: VerdictOutcome, policy: PipelinePolicy, truncated: boolean): EscalationReason | null {
  if (outcome.kind === "failure") return "ENGINE_FAILURE";
  if (outcome.kind === "prefilter") return null;
  if (unreadAllow(outcome, truncated)) return "LOW_CONFIDENCE";
  const { verdict } = outcome;
  if (verdict.ruleIds.some((rule) => policy.escalateRuleIds.has(rule))) return "POLICY_RULE";
  if (verdict.decision === "violate" && violationToHuman[policy.onViolate]) return "POLICY_RULE";
  if (verdict.confidence < policy.escalationThreshold) return "LOW_CONFIDENCE";
  return null;
}

const reasonRank: Record<EscalationReason, number> = { ENGINE_FAILURE: 3, POLICY_RULE: 2, LOW_CONFIDENCE: 1 };

// Hot path (every post, every policy): one object literal, fields always in the same order, so
// V8 keeps a single shape.
function toVerdict(outcome: VerdictOutcome, policy: PipelinePolicy, escalate: boolean): PolicyVerdict {
  if (outcome.kind === "prefilter") {
    return {
      policyId: policy.id,
      policyVersion: policy.version,
      decision: "allow",
      ruleIds: [],
      confidence: 1,
      rationale: "",
      source: "prefilter",
      escalate,
      onViolate: policy.onViolate,
      page: policy.page,
    };
  }
  if (outcome.kind === "failure") {
    // Never an invented verdict: "allow" here only fills the field; escalate=true and the action is REVIEW.
    return {
      policyId: policy.id,
      policyVersion: policy.version,
      decision: "allow",
      ruleIds: [],
      confidence: 0,
      rationale: `Model failed: ${outcome.errorClass}.`,
      source: "failure",
      escalate,
      onViolate: policy.onViolate,
      page: policy.page,
    };
  }
  const v = outcome.verdict;
  return {
    policyId: policy.id,
    policyVersion: policy.version,
    decision: v.decision,
    ruleIds: v.ruleIds,
    confidence: v.confidence,
    rationale: v.rationale,
    source: outcome.kind,
    escalate,
    onViolate: policy.onViolate,
    page: policy.page,
  };
}

/**
 * The decision for a post that no policy sends to the model (the path most posts take): what
 * `decide` gives for prefilter outcomes only at the primary stage, built directly.
 */
export function prefilterDecision(input: { post: Post; policySetVersion: string; latencyMs: number; now: number }): Decision {
  return {
    decisionId: decisionId(input.post.id, input.policySetVersion, [], "prefilter"),
    postId: input.post.id,
    forumId: input.post.forumId,
    action: "ALLOW",
    stage: "prefilter",
    policySetVersion: input.policySetVersion,
    verdicts: [],
    modelId: null,
    effort: null,
    latencyMs: input.latencyMs,
    // The prefilter read all of the post, and the model none of it.
    truncated: false,
    windowsRead: 0,
    postCreatedAt: input.post.createdAt,
    decidedAt: input.now,
    replayId: null,
    ticketId: null,
    appealId: null,
    unreadable: null,
  };
}

/** Turns one post's per-policy outcomes into the records to publish. Pure. */
export function decide(input: DecideInput): DecideOutput {
  const byId = new Map(input.policies.map((p) => [p.id, p]));
  let reason: EscalationReason | null = null;
  const details: string[] = [];
  const escalatedIds: string[] = [];
  const fresh: PolicyVerdict[] = [];
  for (const outcome of input.outcomes) {
    const policy = byId.get(outcome.policyId);
    if (!policy) throw new Error(`outcome for unknown policy ${outcome.policyId}`);
    const why = escalationReason(outcome, policy, input.truncated);
    if (why) {
      escalatedIds.push(policy.id);
      details.push(
        outcome.kind === "failure"
          ? `${policy.id}: ${outcome.errorClass}: ${outcome.message}`
          : unreadAllow(outcome, input.truncated)
            ? `${policy.id}: UNREAD: no violation in the ${input.windowsRead ?? 0} windows read, but the model did not read all of the post`
            : `${policy.id}: ${why}`,
      );
      if (!reason || reasonRank[why] > reasonRank[reason]) reason = why;
    }
    // A prefilter allow is implied by the policy-set version: records stay small on the path most posts take.
    if (outcome.kind !== "prefilter") fresh.push(toVerdict(outcome, policy, why !== null));
  }
  const freshIds = new Set(fresh.map((v) => v.policyId));
  const verdicts = [...(input.earlier ?? []).filter((v) => !freshIds.has(v.policyId)), ...fresh];
  const allPrefilter = input.outcomes.every((o) => o.kind === "prefilter");
  const stage: Stage = input.stage === "primary" && allPrefilter ? "prefilter" : input.stage;
  const appealId = input.appealId ?? null;
  const id = decisionId(input.post.id, input.policySetVersion, verdicts, stage, appealId);
  const decision: Decision = {
    decisionId: id,
    postId: input.post.id,
    forumId: input.post.forumId,
    action: actionOf(verdicts),
    stage,
    policySetVersion: input.policySetVersion,
    verdicts,
    modelId: allPrefilter ? null : input.modelId,
    effort: allPrefilter ? null : input.effort,
    latencyMs: input.latencyMs,
    // Only what the model read counts: a post all of whose policies the prefilter decided was read whole.
    truncated: input.truncated && !allPrefilter,
    windowsRead: allPrefilter ? 0 : (input.windowsRead ?? 0),
    postCreatedAt: input.post.createdAt,
    decidedAt: input.now,
    replayId: input.replayId ?? null,
    ticketId: null,
    appealId,
    unreadable: null,
  };

  const entries: AuditEntry[] = [];
  for (const outcome of input.outcomes) {
    const version = byId.get(outcome.policyId)!.version;
    if (outcome.kind === "model") {
      const v = outcome.verdict;
      entries.push({
        policyId: v.policyId,
        policyVersion: version,
        reasoning: v.reasoning,
        promptTokens: v.promptTokens,
        generatedTokens: v.generatedTokens,
        latencyMs: v.latencyMs,
        error: null,
        decision: v.decision,
        ruleIds: v.ruleIds,
        confidence: v.confidence,
      });
    } else if (outcome.kind === "failure") {
      entries.push({
        policyId: outcome.policyId,
        policyVersion: version,
        reasoning: "",
        promptTokens: 0,
        generatedTokens: 0,
        latencyMs: 0,
        error: `${outcome.errorClass}: ${outcome.message} (after ${outcome.attempts} attempts)`,
        decision: null,
        ruleIds: [],
        confidence: null,
      });
    }
  }
  const audit: Audit | null =
    entries.length === 0 ? null : { decisionId: id, postId: input.post.id, stage, modelId: input.modelId, entries, createdAt: input.now, sampled: false };

  let escalation: Escalation | null = null;
  let ticket: Ticket | null = null;
  const post: Post = { ...input.post, threadId: input.post.threadId ?? null };
  // The second look is a first model read too (of a post the prefilter allowed): an unsure or review-only verdict goes up a tier.
  if (reason && (input.stage === "primary" || input.stage === "second_look")) {
    escalation = {
      escalationId: `${id}:esc`,
      post,
      verdicts,
      reason,
      detail: details.join("; "),
      policyIds: escalatedIds,
      attempts: 0,
      escalatedAt: input.now,
    };
  } else if (reason) {
    const reasoning: TicketReasoning[] = entries
      .filter((e) => e.reasoning !== "")
      .map((e) => ({ policyId: e.policyId, policyVersion: e.policyVersion, reasoning: e.reasoning }));
    ticket = {
      ticketId: `${id}:ticket`,
      decisionId: id,
      post,
      verdicts,
      reason: details.join("; "),
      stage,
      policySetVersion: input.policySetVersion,
      reasoning,
      appealId,
      createdAt: input.now,
    };
  }
  return { decision, audit, escalation, ticket };
}
