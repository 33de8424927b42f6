import { createHash } from "node:crypto";
import { assertNever } from "../errors/assert-never.js";
import type { Action, PolicyVerdict, Stage } from "./records.js";

// A decision's identity and its action are facts of the record: the pipeline, the console and replay all derive them the same way.

const shortHash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

/**
 * Deterministic from stage + policy-set version + post id (+ a hash of the verdicts' policy
 * versions when there are any, + a hash of the request answered: an appeal, a moderator's
 * action), so a duplicate decision is recognisable — and readable. The common prefilter case
 * needs no hashing.
 */
export function decisionId(postId: string, policySetVersion: string, verdicts: readonly PolicyVerdict[], stage: Stage, requestId?: string | null): string {
  const base = `${stage}:${policySetVersion}:${postId}`;
  const withVersions =
    verdicts.length === 0
      ? base
      : `${base}:${shortHash(
          verdicts
            .map((v) => `${v.policyId}@${v.policyVersion}`)
            .sort()
            .join(","),
        )}`;
  return requestId ? `${withVersions}:${shortHash(requestId)}` : withVersions;
}

/**
 * HIDE for a sure violation (a model's violation of a review-only policy always escalates, so
 * only a moderator's hides); BANNER for any violation of a banner policy, sure or not (a banner
 * leaves the post up and is undone by a later ALLOW); REVIEW while a verdict escalates.
 */
export function actionOf(verdicts: readonly PolicyVerdict[]): Action {
  let banner = false;
  let review = false;
  for (const v of verdicts) {
    if (v.escalate) review = true;
    if (v.decision !== "violate") continue;
    switch (v.onViolate) {
      case "hide":
      case "review":
        if (!v.escalate) return "HIDE";
        break;
      case "banner":
        banner = true;
        break;
      default:
        return assertNever(v.onViolate);
    }
  }
  return banner ? "BANNER" : review ? "REVIEW" : "ALLOW";
}
