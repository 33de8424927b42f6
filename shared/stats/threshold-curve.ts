import { binaryScores, confusion } from "./binary-metrics.js";

/** Precision and recall when a post counts as positive at score ≥ threshold, and the escalation rate at that threshold. */
export interface CurvePoint {
  threshold: number;
  precision: number;
  recall: number;
  /** Share of posts a policy with this escalation threshold would send to review: model verdicts whose confidence is below it. */
  escalationRate: number;
}

/** An item on the curve: its label, its score p(violate), and the confidence of its model verdict (null: decided without the model). */
export interface CurveItem {
  label: boolean;
  score: number;
  confidence: number | null;
}

/** The thresholds 0, 1/steps, …, 1. */
export function evenThresholds(steps = 20): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => i / steps);
}

/**
 * Precision and recall of "score ≥ t" at each threshold. With score = p(violate) (the
 * confidence of a violate verdict, 1 − that of an allow), score ≥ t for t ≥ 0.5 is exactly
 * "violate with confidence ≥ t": the posts a policy with escalation threshold t hides unasked.
 */
export function thresholdCurve(items: readonly CurveItem[], thresholds: readonly number[] = evenThresholds()): CurvePoint[] {
  return thresholds.map((threshold) => {
    const scores = binaryScores(confusion(items.map((i) => ({ label: i.label, predicted: i.score >= threshold }))));
    const escalated = items.filter((i) => i.confidence !== null && i.confidence < threshold).length;
    return { threshold, precision: scores.precision.rate, recall: scores.recall.rate, escalationRate: items.length === 0 ? 0 : escalated / items.length };
  });
}
