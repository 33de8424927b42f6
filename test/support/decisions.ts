import type { Action, Decision, PolicyVerdict, Stage, Ticket } from "@arbiter/shared/codec/records.js";
import { decisionId } from "@arbiter/shared/codec/decision-identity.js";

/** A verdict as a test needs it: a policy's finding with its actions on violate. */
export function verdict(policyId: string, decision: "violate" | "allow", extra: Partial<PolicyVerdict> = {}): PolicyVerdict {
  return {
    policyId,
    policyVersion: "v1",
    decision,
    ruleIds: decision === "violate" ? ["R1"] : [],
    confidence: 0.95,
    rationale: "",
    source: "model",
    escalate: false,
    onViolate: "hide",
    page: false,
    ...extra,
  };
}

/** A decision for a post at a stage, its id as the pipeline would make it (plus `requestId` for moderators and appeals). */
export function decisionFor(
  postId: string,
  action: Action,
  stage: Stage,
  opts: { verdicts?: PolicyVerdict[]; forumId?: string; requestId?: string } = {},
): Decision {
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
    unreadable: null,
  };
}

/** A v2 ticket for a post, as the escalation tier raises one. */
export function ticketFor(
  postId: string,
  opts: { text?: string; forumId?: string; verdicts?: PolicyVerdict[]; reasoning?: string; appealId?: string | null; createdAt?: number; stage?: Stage } = {},
): Ticket {
  const verdicts = opts.verdicts ?? [verdict("cheats", "violate", { ruleIds: ["CH1"], confidence: 0.55, rationale: "Offers an aimbot.", escalate: true })];
  const stage = opts.stage ?? "escalation";
  const id = decisionId(postId, "set-1", verdicts, stage, opts.appealId);
  const createdAt = opts.createdAt ?? Date.now();
  return {
    ticketId: `${id}:ticket`,
    decisionId: id,
    post: {
      id: postId,
      forumId: opts.forumId ?? "games",
      authorId: `author-${postId}`,
      text: opts.text ?? `post ${postId}: selling an aimbot`,
      language: null,
      createdAt: createdAt - 60_000,
      metadata: {},
      threadId: null,
    },
    verdicts,
    reason: verdicts.map((v) => `${v.policyId}: LOW_CONFIDENCE`).join("; "),
    stage,
    policySetVersion: "set-1",
    reasoning: verdicts.map((v) => ({
      policyId: v.policyId,
      policyVersion: v.policyVersion,
      reasoning: opts.reasoning ?? `The post offers a cheat (${v.policyId}).`,
    })),
    appealId: opts.appealId ?? null,
    createdAt,
  };
}
