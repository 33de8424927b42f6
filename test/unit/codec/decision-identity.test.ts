import { actionOf } from "@arbiter/shared/codec/decision-identity.js";
import type { Action, PolicyVerdict } from "@arbiter/shared/codec/records.js";
import { POLICY_ACTIONS } from "@arbiter/shared/policy/policy.js";
import { VERDICT_DECISIONS } from "@arbiter/shared/policy/verdict-decision.js";

const kinds: PolicyVerdict[] = VERDICT_DECISIONS.flatMap((decision) =>
  [false, true].flatMap((escalate) =>
    POLICY_ACTIONS.map((onViolate, i): PolicyVerdict => ({
      policyId: `p${i}`,
      policyVersion: "v",
      decision,
      ruleIds: [],
      confidence: 1,
      rationale: "",
      source: "model",
      escalate,
      onViolate,
      page: false,
    })),
  ),
);

/** The rule as the doc states it, with HIDE over BANNER over REVIEW over ALLOW. */
function expected(verdicts: readonly PolicyVerdict[]): Action {
  if (verdicts.some((v) => v.decision === "violate" && !v.escalate && (v.onViolate === "hide" || v.onViolate === "review"))) return "HIDE";
  if (verdicts.some((v) => v.decision === "violate" && v.onViolate === "banner")) return "BANNER";
  if (verdicts.some((v) => v.escalate)) return "REVIEW";
  return "ALLOW";
}

test("actionOf follows the rule for every list of up to three verdicts", () => {
  const lists: PolicyVerdict[][] = [[]];
  for (const a of kinds) {
    lists.push([a]);
    for (const b of kinds) {
      lists.push([a, b]);
      for (const c of kinds) lists.push([a, b, c]);
    }
  }
  for (const verdicts of lists) expect({ verdicts, action: actionOf(verdicts) }).toEqual({ verdicts, action: expected(verdicts) });
});

test("a sure violation of a review-only policy (a moderator's) hides; an unsure one only asks for review", () => {
  const review = kinds.find((v) => v.decision === "violate" && v.onViolate === "review" && !v.escalate)!;
  expect(actionOf([review])).toBe("HIDE");
  expect(actionOf([{ ...review, escalate: true }])).toBe("REVIEW");
});
