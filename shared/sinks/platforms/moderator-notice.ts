import type { Decision } from "../../codec/records.js";

/**
 * What a notice to a platform's moderators (a Reddit modmail, a Discord moderators' channel
 * message) says about a decision: ids, stage, action and the violated policies' ids, rules and
 * confidence. Never the post's text, and never the model's rationale (which may quote it).
 */
export function decisionLines(decision: Decision): string[] {
  const violations = decision.verdicts.filter((v) => v.decision === "violate");
  const policies =
    violations.length === 0
      ? ["policies: none violated"]
      : violations.map((v) => `policy ${v.policyId} ${v.policyVersion}: rules ${v.ruleIds.join(", ") || "(none)"}, confidence ${v.confidence.toFixed(2)}`);
  return [
    `post: ${decision.postId} (forum ${decision.forumId})`,
    `decision: ${decision.decisionId}, ${decision.action} at stage ${decision.stage}`,
    ...policies,
  ];
}
