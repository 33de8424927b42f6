import { binaryScores, confusion } from "@arbiter/shared/stats/binary-metrics.js";
import { calibration } from "@arbiter/shared/stats/calibration.js";
import { percentile } from "@arbiter/shared/stats/percentile.js";
import { seededSample } from "@arbiter/shared/stats/seeded-sample.js";
import { thresholdCurve } from "@arbiter/shared/stats/threshold-curve.js";

// Every expected figure below is worked out by hand in the comment beside it.
describe("binary metrics", () => {
  const labels = [true, true, true, false, false, false, false, true];
  const predicted = [true, false, true, true, false, false, false, false];
  const c = confusion(labels.map((label, i) => ({ label, predicted: predicted[i]! })));

  it("tallies the confusion matrix", () => {
    // tp: posts 0, 2; fn: 1, 7; fp: 3; tn: 4, 5, 6
    expect(c).toEqual({ tp: 2, fp: 1, tn: 3, fn: 2 });
  });

  it("derives precision, recall, F1, accuracy and the false-positive rate", () => {
    const s = binaryScores(c);
    expect(s.precision).toMatchObject({ k: 2, n: 3 }); // tp / (tp + fp)
    expect(s.recall).toMatchObject({ k: 2, n: 4, rate: 0.5 }); // tp / (tp + fn)
    expect(s.f1).toBeCloseTo(4 / 7, 12); // 2 · (2/3 · 1/2) / (2/3 + 1/2) = (2/3) / (7/6)
    expect(s.accuracy).toMatchObject({ k: 5, n: 8, rate: 0.625 });
    expect(s.falsePositiveRate).toMatchObject({ k: 1, n: 4, rate: 0.25 }); // fp / (fp + tn)
    expect(s.precision.low).toBeLessThan(2 / 3);
    expect(s.precision.high).toBeGreaterThan(2 / 3);
  });

  it("gives 0 for F1 and empty shares when nothing is predicted positive", () => {
    const s = binaryScores(confusion([{ label: false, predicted: false }]));
    expect(s.f1).toBe(0);
    expect(s.precision).toMatchObject({ k: 0, n: 0, rate: 0, low: 0, high: 1 });
  });
});

describe("calibration", () => {
  it("bins confidences into a reliability table and computes the ECE", () => {
    const cal = calibration([
      { confidence: 0.95, correct: true },
      { confidence: 0.92, correct: false },
      { confidence: 0.65, correct: true },
      { confidence: 0.61, correct: true },
      { confidence: 0.55, correct: false },
      { confidence: 1, correct: true }, // 1.0 falls in the last bin, closed at 1
    ]);
    const bin9 = cal.bins[9]!; // 0.95, 0.92, 1.0: mean 2.87/3, accuracy 2/3
    expect(bin9.n).toBe(3);
    expect(bin9.confidence).toBeCloseTo(2.87 / 3, 12);
    expect(bin9.accuracy).toBeCloseTo(2 / 3, 12);
    expect(cal.bins[6]).toMatchObject({ n: 2, accuracy: 1 }); // 0.65, 0.61: mean 0.63
    expect(cal.bins[6]!.confidence).toBeCloseTo(0.63, 12);
    expect(cal.bins[5]).toMatchObject({ n: 1, confidence: 0.55, accuracy: 0 });
    expect(cal.bins[0]).toMatchObject({ n: 0, confidence: null, accuracy: null, low: 0, high: 0.1 });
    // ECE = 3/6 · |2/3 − 0.95667| + 2/6 · |1 − 0.63| + 1/6 · |0 − 0.55| = 0.145 + 0.12333 + 0.09167
    expect(cal.ece).toBeCloseTo(0.36, 12);
  });

  it("has no ECE without items and rejects a confidence outside [0, 1]", () => {
    expect(calibration([]).ece).toBeNull();
    expect(() => calibration([{ confidence: 1.2, correct: true }])).toThrow(/\[0, 1\]/);
  });
});

describe("percentile", () => {
  it("interpolates between the closest ranks", () => {
    expect(percentile([40, 10, 30, 20], 50)).toBe(25); // position 1.5 between 20 and 30
    expect(percentile([10, 20, 30, 40], 95)).toBeCloseTo(38.5, 12); // position 2.85: 30 + 0.85 · 10
    expect(percentile([10, 20, 30, 40], 0)).toBe(10);
    expect(percentile([10, 20, 30, 40], 100)).toBe(40);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe("threshold curve", () => {
  // Three violating posts (one the prefilter let through: score 0), three harmless.
  const items = [
    { label: true, score: 0.9, confidence: 0.9 },
    { label: true, score: 0.6, confidence: 0.6 },
    { label: false, score: 0.7, confidence: 0.7 },
    { label: false, score: 0.2, confidence: 0.8 }, // an allow verdict at 0.8
    { label: true, score: 0, confidence: null },
    { label: false, score: 0, confidence: null },
  ];

  it("gives precision, recall and the escalation rate at each threshold", () => {
    const [t0, t50, t75] = thresholdCurve(items, [0, 0.5, 0.75]);
    expect(t0).toMatchObject({ threshold: 0, precision: 0.5, recall: 1, escalationRate: 0 }); // all 6 positive: 3 of 6 right
    expect(t50!.precision).toBeCloseTo(2 / 3, 12); // 0.9, 0.6, 0.7 positive: 2 right
    expect(t50!.recall).toBeCloseTo(2 / 3, 12); // 2 of the 3 violating
    expect(t50!.escalationRate).toBe(0); // no confidence below 0.5
    expect(t75).toMatchObject({ precision: 1, escalationRate: 2 / 6 }); // only 0.9 positive; 0.6 and 0.7 below 0.75
    expect(t75!.recall).toBeCloseTo(1 / 3, 12);
  });
});

describe("seeded sample", () => {
  const items = Array.from({ length: 100 }, (_, i) => i);

  it("draws the same distinct items for the same seed, in their original order", () => {
    const a = seededSample(items, 10, 7);
    expect(seededSample(items, 10, 7)).toEqual(a);
    expect(new Set(a).size).toBe(10);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(seededSample(items, 10, 8)).not.toEqual(a);
  });

  it("returns every item when asked for as many or more", () => {
    expect(seededSample([3, 1, 2], 5, 1)).toEqual([3, 1, 2]);
  });
});
