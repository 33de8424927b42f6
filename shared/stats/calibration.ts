/** One bin of a reliability table: the posts whose confidence fell in [low, high). */
export interface ReliabilityBin {
  low: number;
  high: number;
  n: number;
  /** Mean stated confidence of the bin (null when empty). */
  confidence: number | null;
  /** Share of the bin whose decision was right (null when empty). */
  accuracy: number | null;
}

export interface Calibration {
  bins: ReliabilityBin[];
  /** Expected calibration error: Σ (n_bin / n) · |accuracy − confidence| over non-empty bins; null with no items. */
  ece: number | null;
  n: number;
}

/**
 * A reliability table over `binCount` equal-width bins of [0, 1] (the last one closed at 1), and
 * the ECE. Each item is a decision with the confidence the model gave it and whether it was right.
 */
export function calibration(items: readonly { confidence: number; correct: boolean }[], binCount = 10): Calibration {
  const sums = Array.from({ length: binCount }, () => ({ n: 0, confidence: 0, correct: 0 }));
  for (const item of items) {
    if (!(item.confidence >= 0 && item.confidence <= 1)) throw new RangeError(`calibration: confidence must be in [0, 1], got ${item.confidence}`);
    const bin = sums[Math.min(binCount - 1, Math.floor(item.confidence * binCount))]!;
    bin.n++;
    bin.confidence += item.confidence;
    if (item.correct) bin.correct++;
  }
  let ece = 0;
  const bins = sums.map((s, i) => {
    const confidence = s.n === 0 ? null : s.confidence / s.n;
    const accuracy = s.n === 0 ? null : s.correct / s.n;
    if (s.n > 0) ece += (s.n / items.length) * Math.abs(accuracy! - confidence!);
    return { low: i / binCount, high: (i + 1) / binCount, n: s.n, confidence, accuracy };
  });
  return { bins, ece: items.length === 0 ? null : ece, n: items.length };
}
