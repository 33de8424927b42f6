import { binaryScores, confusion, type BinaryScores, type Confusion } from "../stats/binary-metrics.js";
import { calibration, type Calibration } from "../stats/calibration.js";
import type { LabelledPost } from "./labelled-posts.js";
import { percentile } from "../stats/percentile.js";
import type { PostResult } from "./policy-evaluator.js";
import { proportion, type Proportion } from "../stats/proportion.js";
import { thresholdCurve, type CurveItem, type CurvePoint } from "../stats/threshold-curve.js";

/** A labelled post with what the pipeline made of it. */
export interface EvalItem {
  post: LabelledPost;
  result: PostResult;
}

export interface RuleFigures {
  ruleId: string;
  /** Posts whose violate verdict named the rule, and how many of them are labelled violating. */
  flagged: number;
  truePositives: number;
  precision: Proportion;
}

export interface Disagreement {
  id: string;
  line: number;
  text: string;
  label: boolean;
  predicted: boolean;
  outcome: PostResult["outcome"];
  confidence: number | null;
  ruleIds: string[];
  rationale: string;
}

export interface EvalReport {
  /** How the run names the policy (`spam`, `spam@drafts/spam.md`). */
  name: string;
  policy: { id: string; version: string; escalationThreshold: number };
  counts: {
    posts: number;
    /** Labelled violating, among scored posts. */
    positives: number;
    /** Decided by the prefilter or the model: what the figures are over. */
    scored: number;
    /** The engine failed after its retries (such a post goes to review): left out of the figures. */
    failed: number;
    /** Posts the worker would dead-letter (empty text, too large): left out of the figures. */
    invalid: number;
  };
  confusion: Confusion;
  scores: BinaryScores;
  rules: RuleFigures[];
  funnel: {
    /** Share of posts the prefilter sent to the model. */
    passRate: Proportion;
    /** Share of violating posts the prefilter sent to the model: the most recall the model can reach. */
    recallThroughPrefilter: Proportion;
  };
  /** Share of posts whose action is REVIEW at the policy's threshold (low confidence, an escalating rule, an engine failure). */
  escalationRate: Proportion;
  calibration: Calibration;
  latencyMs: { all: { p50: number | null; p95: number | null }; model: { p50: number | null; p95: number | null } };
  curve: CurvePoint[];
  disagreements: Disagreement[];
}

/** Violates, as the pipeline decided: a model verdict of violate (a prefilter pass is an allow). */
export function predictedViolation(result: PostResult): boolean {
  return result.outcome === "model" && result.decision === "violate";
}

/** p(violate): the confidence of a violate verdict, one minus that of an allow, 0 for a prefilter allow. */
export function violationScore(result: PostResult): number {
  if (result.outcome !== "model" || result.confidence === null) return 0;
  return result.decision === "violate" ? result.confidence : 1 - result.confidence;
}

/** Every figure of one policy over a labelled set. Pure: the same items give the same report. */
export function buildEvalReport(name: string, policy: EvalReport["policy"] & { ruleIds: readonly string[] }, items: readonly EvalItem[]): EvalReport {
  const scored = items.filter((i) => i.result.outcome === "prefilter" || i.result.outcome === "model");
  const failed = items.filter((i) => i.result.outcome === "failed").length;
  const invalid = items.filter((i) => i.result.outcome === "invalid").length;
  const matrix = confusion(scored.map((i) => ({ label: i.post.label, predicted: predictedViolation(i.result) })));

  const ruleIds = [...new Set([...policy.ruleIds, ...scored.flatMap((i) => (predictedViolation(i.result) ? i.result.ruleIds : []))])];
  const rules = ruleIds.map((ruleId) => {
    const flagged = scored.filter((i) => predictedViolation(i.result) && i.result.ruleIds.includes(ruleId));
    const truePositives = flagged.filter((i) => i.post.label).length;
    return { ruleId, flagged: flagged.length, truePositives, precision: proportion(truePositives, flagged.length) };
  });

  // Posts with a failed model call did go past the prefilter: they count in the funnel.
  const decided = items.filter((i) => i.result.outcome !== "invalid");
  const sent = (i: EvalItem) => i.result.outcome === "model" || i.result.outcome === "failed";
  const positives = decided.filter((i) => i.post.label);
  const reviewed = decided.filter((i) => i.result.action === "REVIEW").length;

  const modelItems = scored.filter((i) => i.result.outcome === "model" && i.result.confidence !== null);
  const curveItems: CurveItem[] = scored.map((i) => ({
    label: i.post.label,
    score: violationScore(i.result),
    confidence: i.result.outcome === "model" ? i.result.confidence : null,
  }));
  const latencies = decided.map((i) => i.result.latencyMs);
  const modelLatencies = decided.filter(sent).map((i) => i.result.latencyMs);

  const disagreements = scored
    .filter((i) => predictedViolation(i.result) !== i.post.label)
    .map((i) => ({
      id: i.post.id,
      line: i.post.line,
      text: i.post.text,
      label: i.post.label,
      predicted: predictedViolation(i.result),
      outcome: i.result.outcome,
      confidence: i.result.confidence,
      ruleIds: i.result.ruleIds,
      rationale: i.result.rationale,
    }))
    // False positives first (the checklist's target), then misses; file order within each.
    .sort((a, b) => Number(b.predicted) - Number(a.predicted) || a.line - b.line);

  return {
    name,
    policy: { id: policy.id, version: policy.version, escalationThreshold: policy.escalationThreshold },
    counts: { posts: items.length, positives: scored.filter((i) => i.post.label).length, scored: scored.length, failed, invalid },
    confusion: matrix,
    scores: binaryScores(matrix),
    rules,
    funnel: {
      passRate: proportion(decided.filter(sent).length, decided.length),
      recallThroughPrefilter: proportion(positives.filter(sent).length, positives.length),
    },
    escalationRate: proportion(reviewed, decided.length),
    calibration: calibration(modelItems.map((i) => ({ confidence: i.result.confidence!, correct: (i.result.decision === "violate") === i.post.label }))),
    latencyMs: {
      all: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
      model: { p50: percentile(modelLatencies, 50), p95: percentile(modelLatencies, 95) },
    },
    curve: thresholdCurve(curveItems),
    disagreements,
  };
}

/** A post two policy versions decide differently. */
export interface Flip {
  id: string;
  line: number;
  label: boolean;
  /** Violates under the first version, and under the second. */
  a: boolean;
  b: boolean;
}

/** The posts whose predicted violation differs between two runs over the same posts (scored in both). */
export function flips(a: readonly EvalItem[], b: readonly EvalItem[]): Flip[] {
  const byId = new Map(b.map((i) => [i.post.id, i]));
  const out: Flip[] = [];
  for (const item of a) {
    const other = byId.get(item.post.id);
    if (!other) continue;
    const scoredBoth = [item, other].every((i) => i.result.outcome === "prefilter" || i.result.outcome === "model");
    if (!scoredBoth) continue;
    const va = predictedViolation(item.result);
    const vb = predictedViolation(other.result);
    if (va !== vb) out.push({ id: item.post.id, line: item.post.line, label: item.post.label, a: va, b: vb });
  }
  return out;
}
