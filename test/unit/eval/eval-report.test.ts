import { buildEvalReport, flips, type EvalItem } from "@arbiter/shared/eval/eval-report.js";
import { parseLabel } from "@arbiter/shared/eval/labelled-posts.js";
import type { PostResult } from "@arbiter/shared/eval/policy-evaluator.js";

const base: PostResult = {
  id: "",
  outcome: "model",
  action: "ALLOW",
  decision: "allow",
  confidence: null,
  ruleIds: [],
  escalate: false,
  rationale: "",
  reasoning: "",
  latencyMs: 0,
  error: null,
};

function item(id: string, line: number, label: boolean, result: Partial<PostResult>): EvalItem {
  return { post: { id, text: `post ${id}`, label, line }, result: { ...base, id, ...result } };
}

// Eight posts under a policy with threshold 0.7; the expected figures are worked out in the comments.
const items: EvalItem[] = [
  item("a", 1, true, { decision: "violate", confidence: 0.9, ruleIds: ["SP2"], action: "HIDE", latencyMs: 100 }), // TP
  item("b", 2, true, { decision: "violate", confidence: 0.6, ruleIds: ["SP4"], action: "REVIEW", escalate: true, latencyMs: 200 }), // TP
  item("c", 3, false, { decision: "violate", confidence: 0.8, ruleIds: ["SP2"], action: "HIDE", latencyMs: 300 }), // FP
  item("d", 4, false, { decision: "allow", confidence: 0.95, latencyMs: 400 }), // TN
  item("e", 5, true, { outcome: "prefilter", latencyMs: 1 }), // FN, never sent
  item("f", 6, false, { outcome: "prefilter", latencyMs: 1 }), // TN
  item("g", 7, true, { outcome: "failed", decision: null, action: "REVIEW", escalate: true, latencyMs: 500 }), // sent, not scored
  item("h", 8, false, { outcome: "invalid", decision: null, action: null }), // neither
];
const report = buildEvalReport("spam", { id: "spam", version: "v1", escalationThreshold: 0.7, ruleIds: ["SP2", "SP4"] }, items);

describe("buildEvalReport", () => {
  it("counts and scores the posts decided by the prefilter or the model", () => {
    expect(report.counts).toEqual({ posts: 8, positives: 3, scored: 6, failed: 1, invalid: 1 });
    expect(report.confusion).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
    expect(report.scores.precision).toMatchObject({ k: 2, n: 3 });
    expect(report.scores.recall).toMatchObject({ k: 2, n: 3 });
    expect(report.scores.accuracy).toMatchObject({ k: 4, n: 6 });
    expect(report.scores.falsePositiveRate).toMatchObject({ k: 1, n: 3 });
    expect(report.scores.f1).toBeCloseTo(2 / 3, 12);
  });

  it("gives figures per rule, the funnel and the escalation rate", () => {
    expect(report.rules.map((r) => [r.ruleId, r.flagged, r.truePositives])).toEqual([
      ["SP2", 2, 1], // a, c
      ["SP4", 1, 1], // b
    ]);
    expect(report.funnel.passRate).toMatchObject({ k: 5, n: 7 }); // a, b, c, d, g of the 7 valid posts
    expect(report.funnel.recallThroughPrefilter).toMatchObject({ k: 3, n: 4 }); // a, b, g of a, b, e, g
    expect(report.escalationRate).toMatchObject({ k: 2, n: 7 }); // b, g
  });

  it("calibrates the model verdicts, times the posts and lists the disagreements, false positives first", () => {
    // bins: 9 holds a (0.9, right) and d (0.95, right); 6 holds b (right); 8 holds c (wrong)
    // ECE = 2/4 · |1 − 0.925| + 1/4 · |1 − 0.6| + 1/4 · |0 − 0.8| = 0.0375 + 0.1 + 0.2
    expect(report.calibration.n).toBe(4);
    expect(report.calibration.ece).toBeCloseTo(0.3375, 12);
    // all valid: 1, 1, 100, 200, 300, 400, 500 → p50 200, p95 at 5.7: 400 + 0.7 · 100
    expect(report.latencyMs.all.p50).toBe(200);
    expect(report.latencyMs.all.p95).toBeCloseTo(470, 9);
    // sent to the model: 100 … 500 → p50 300, p95 at 3.8: 400 + 0.8 · 100
    expect(report.latencyMs.model).toEqual({ p50: 300, p95: expect.closeTo(480, 9) as unknown as number });
    expect(report.disagreements.map((d) => [d.id, d.predicted])).toEqual([
      ["c", true],
      ["e", false],
    ]);
  });

  it("draws the curve from p(violate): at the policy's threshold it is what is hidden unasked", () => {
    const at = (t: number) => report.curve.find((p) => Math.abs(p.threshold - t) < 1e-9)!;
    expect(at(0.5).precision).toBeCloseTo(2 / 3, 12); // a, b, c; d scores 0.05
    expect(at(0.5).recall).toBeCloseTo(2 / 3, 12); // a, b of a, b, e
    expect(at(0.7)).toMatchObject({ precision: 0.5, escalationRate: 1 / 6 }); // a, c; b's 0.6 is below 0.7
    expect(at(0.7).recall).toBeCloseTo(1 / 3, 12);
  });
});

describe("flips", () => {
  it("lists the posts scored in both runs whose predicted violation differs", () => {
    const second = items.map((i) =>
      i.post.id === "b"
        ? { ...i, result: { ...i.result, decision: "allow" as const } }
        : i.post.id === "e"
          ? { ...i, result: { ...i.result, outcome: "model" as const, decision: "violate" as const, confidence: 0.7 } }
          : i.post.id === "g"
            ? { ...i, result: { ...i.result, outcome: "model" as const, decision: "violate" as const } }
            : i,
    );
    expect(flips(items, second)).toEqual([
      { id: "b", line: 2, label: true, a: true, b: false },
      { id: "e", line: 5, label: true, a: false, b: true },
    ]); // g failed in the first run: not compared
  });
});

describe("parseLabel", () => {
  it("reads the usual spellings, or exactly the value named positive", () => {
    expect([1, "1", "true", "Violate", "unsafe", true].map((v) => parseLabel(v, null))).toEqual([true, true, true, true, true, true]);
    expect([0, "0", "false", "allow", "SAFE", false].map((v) => parseLabel(v, null))).toEqual([false, false, false, false, false, false]);
    expect(parseLabel("SP2", "SP2")).toBe(true);
    expect(parseLabel("SP0", "SP2")).toBe(false);
    expect(() => parseLabel("maybe", null)).toThrow(/--positive/);
    expect(() => parseLabel("", null)).toThrow(/no label/);
  });
});
