import { proportion, type Proportion } from "./proportion.js";

/** Counts of a binary classifier against labels: positive = violates the policy. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** The usual figures, each share with its 95 % Wilson interval (an empty denominator gives rate 0 over n = 0). */
export interface BinaryScores {
  precision: Proportion;
  recall: Proportion;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  accuracy: Proportion;
  /** Share of negatives predicted positive: the seed checklist's "false positives < 2 %". */
  falsePositiveRate: Proportion;
}

/** Tallies (label, prediction) pairs. */
export function confusion(pairs: Iterable<{ label: boolean; predicted: boolean }>): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const { label, predicted } of pairs) {
    if (predicted) label ? c.tp++ : c.fp++;
    else label ? c.fn++ : c.tn++;
  }
  return c;
}

export function binaryScores(c: Confusion): BinaryScores {
  const precision = proportion(c.tp, c.tp + c.fp);
  const recall = proportion(c.tp, c.tp + c.fn);
  const f1 = precision.rate + recall.rate === 0 ? 0 : (2 * precision.rate * recall.rate) / (precision.rate + recall.rate);
  return { precision, recall, f1, accuracy: proportion(c.tp + c.tn, c.tp + c.fp + c.tn + c.fn), falsePositiveRate: proportion(c.fp, c.fp + c.tn) };
}
