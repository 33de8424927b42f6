import type { Action, Decision, PolicyVerdict, Stage } from "@arbiter/shared/codec/records.js";
import { decisionId } from "@arbiter/shared/pipeline/decide.js";

/** A verdict as a test needs it: a policy's finding with its actions on violate. */
export function verdict(policyId: string, decision: "violate" | "allow", extra: Partial<PolicyVerdict> = {}): PolicyVerdict {
  return { policyId, policyVersion: "v1", decision, ruleIds: decision === "violate" ? ["R1"] : [], confidence: 0.95, rationale: "", source: "model", escalate: false, onViolate: "hide", page: false, ...extra };
}

/** A decision for a post at a stage, its id as the pipeline would make it (plus `requestId` for moderators and appeals). */
export function decisionFor(postId: string, action: Action, stage: Stage, opts: { verdicts?: PolicyVerdict[]; forumId?: string; requestId?: string } = {}): Decision {
  const verdicts = opts.verdicts ?? (action === "ALLOW" ? [verdict("cheats", "allow")] : [verdict("cheats", "violate")]);
  return {
    decisionId: decisionId(postId, "set-1", verdicts, stage, opts.requestId),
    postId,
    forumId: opts.forumId ?? "games",
    action,
    stage,
    policySetVersion: "set-1",
    verdicts,
    modelId: stage === "human" ? null : "m",
    effort: null,
    latencyMs: 1,
    truncated: false,
    postCreatedAt: 1,
    decidedAt: Date.now(),
    replayId: null,
    ticketId: null,
    appealId: null,
  };
}
