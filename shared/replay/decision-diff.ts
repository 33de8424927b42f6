import type { Action, Decision, PolicyVerdict } from "../codec/records.js";
import type { VerdictDecision } from "../policy/verdict-decision.js";

/** What one policy said about one post in one decision: a policy with no verdict listed allowed it at the prefilter. */
export type VerdictState = VerdictDecision | "failed";
export type FlipDirection = "allow→violate" | "violate→allow";

export interface VerdictSide {
  state: VerdictState;
  ruleIds: string[];
  source: PolicyVerdict["source"];
  confidence: number;
  rationale: string;
}

export interface FlipExample {
  postId: string;
  forumId: string;
  policyId: string;
  direction: FlipDirection;
  before: VerdictSide;
  after: VerdictSide;
}

export interface RuleFlips {
  ruleId: string;
  allowToViolate: number;
  violateToAllow: number;
}

export interface PolicyDiff {
  policyId: string;
  /** Posts compared under this policy (both sides known). */
  compared: number;
  allowToViolate: number;
  violateToAllow: number;
  /** Posts where one side is an engine failure (no verdict to compare). */
  failed: number;
  /** By the rule ids of the violating side. */
  rules: RuleFlips[];
  examples: FlipExample[];
}

export interface DecisionDiff {
  /** Posts with a replayed decision. */
  posts: number;
  /** Of those, posts with no decision in force to compare with. */
  withoutDecision: number;
  /** Posts with at least one flip. */
  changed: number;
  /** "ALLOW→HIDE" and the like, posts whose action changed. */
  actions: Record<string, number>;
  policies: PolicyDiff[];
}

/** A policy's verdict in a decision: listed (model, cache, failure), or implied allow by the prefilter. */
export function verdictSide(decision: Decision, policyId: string): VerdictSide {
  const v = decision.verdicts.find((x) => x.policyId === policyId);
  if (!v) return { state: "allow", ruleIds: [], source: "prefilter", confidence: 1, rationale: "" };
  return { state: v.source === "failure" ? "failed" : v.decision, ruleIds: v.ruleIds, source: v.source, confidence: v.confidence, rationale: v.rationale };
}

/**
 * Counts what a replay changed: for each post replayed and each policy, the verdict in force
 * against the replayed one. Pure; `examplesPerDirection` examples per policy and direction, in
 * post-id order so the report is stable.
 */
export function diffDecisions(
  replayed: ReadonlyMap<string, Decision>,
  inForce: ReadonlyMap<string, Decision>,
  policyIds: readonly string[],
  examplesPerDirection = 5,
): DecisionDiff {
  const ids = [...replayed.keys()].sort();
  const diffs = new Map<string, PolicyDiff & { byRule: Map<string, RuleFlips> }>(
    policyIds.map((id) => [id, { policyId: id, compared: 0, allowToViolate: 0, violateToAllow: 0, failed: 0, rules: [], examples: [], byRule: new Map() }]),
  );
  const actions: Record<string, number> = {};
  let withoutDecision = 0;
  let changed = 0;
  for (const postId of ids) {
    const after = replayed.get(postId)!;
    const before = inForce.get(postId);
    if (!before) {
      withoutDecision++;
      continue;
    }
    if (before.action !== after.action) {
      const key = `${before.action}→${after.action}` satisfies `${Action}→${Action}`;
      actions[key] = (actions[key] ?? 0) + 1;
    }
    let flipped = false;
    for (const diff of diffs.values()) {
      const b = verdictSide(before, diff.policyId);
      const a = verdictSide(after, diff.policyId);
      if (b.state === "failed" || a.state === "failed") {
        diff.failed++;
        continue;
      }
      diff.compared++;
      if (b.state === a.state) continue;
      flipped = true;
      const direction: FlipDirection = a.state === "violate" ? "allow→violate" : "violate→allow";
      if (direction === "allow→violate") diff.allowToViolate++;
      else diff.violateToAllow++;
      for (const ruleId of new Set(direction === "allow→violate" ? a.ruleIds : b.ruleIds)) {
        const rule = diff.byRule.get(ruleId) ?? diff.byRule.set(ruleId, { ruleId, allowToViolate: 0, violateToAllow: 0 }).get(ruleId)!;
        if (direction === "allow→violate") rule.allowToViolate++;
        else rule.violateToAllow++;
      }
      if (diff.examples.filter((e) => e.direction === direction).length < examplesPerDirection) {
        diff.examples.push({ postId, forumId: after.forumId, policyId: diff.policyId, direction, before: b, after: a });
      }
    }
    if (flipped) changed++;
  }
  const policies = [...diffs.values()].map(({ byRule, ...d }) => ({
    ...d,
    rules: [...byRule.values()].sort((x, y) => (x.ruleId < y.ruleId ? -1 : x.ruleId > y.ruleId ? 1 : 0)),
  }));
  return { posts: ids.length, withoutDecision, changed, actions, policies };
}
