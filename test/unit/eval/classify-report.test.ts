import type { ClassifiedPost } from "@arbiter/shared/eval/classify-posts.js";
import { renderOne, renderTable } from "@arbiter/shared/eval/classify-report.js";
import type { PostResult } from "@arbiter/shared/eval/policy-evaluator.js";

const base: PostResult = {
  id: "p",
  outcome: "model",
  action: "HIDE",
  decision: "violate",
  confidence: 0.9123,
  ruleIds: ["SP2"],
  escalate: false,
  rationale: "Cold promotion of a course.",
  reasoning: "It links a shop.\nNo relationship.",
  latencyMs: 812.4,
  error: null,
};
const prefilter: PostResult = {
  ...base,
  outcome: "prefilter",
  action: "ALLOW",
  decision: "allow",
  confidence: null,
  ruleIds: [],
  rationale: "",
  reasoning: "",
};
const failed: PostResult = {
  ...base,
  outcome: "failed",
  action: "REVIEW",
  decision: null,
  confidence: null,
  ruleIds: [],
  rationale: "",
  reasoning: "",
  escalate: true,
  error: "EngineTimeoutError: no answer within 60000 ms",
};

describe("renderOne", () => {
  it("prints the verdict, action, rule ids, measured confidence, rationale and the reasoning indented", () => {
    expect(renderOne({ id: "post", result: base, against: null }, "spam@aaaa", null)).toBe(
      [
        "policy      spam@aaaa",
        "verdict     violate",
        "action      HIDE",
        "rules       SP2",
        "confidence  0.912 (measured: the probability the model gave its decision)",
        "rationale   Cold promotion of a course.",
        "reasoning",
        "  It links a shop.",
        "  No relationship.",
        "latency     812 ms",
        "",
      ].join("\n"),
    );
  });

  it("says when the prefilter decided or the model failed, and whether two versions differ", () => {
    const text = renderOne({ id: "post", result: base, against: prefilter }, "spam@aaaa", "spam@bbbb");
    expect(text).toContain(
      "policy      spam@bbbb\nverdict     allow (prefilter: no keyword of the policy matched, the model was not asked; --skip-prefilter asks it)\naction      ALLOW\n",
    );
    expect(text.endsWith("verdicts differ: violate under spam@aaaa, allow under spam@bbbb\n")).toBe(true);
    expect(renderOne({ id: "post", result: failed, against: failed }, "a", "b")).toContain(
      "verdict     none: the model failed (EngineTimeoutError: no answer within 60000 ms)\naction      REVIEW (the worker sends it to review)",
    );
    expect(renderOne({ id: "post", result: failed, against: failed }, "a", "b").endsWith("same verdict: failed\n")).toBe(true);
  });
});

describe("renderTable", () => {
  const items: ClassifiedPost[] = [
    { id: "promo", result: base, against: prefilter },
    { id: "chat", result: prefilter, against: prefilter },
    { id: "slow", result: failed, against: { ...base, decision: "allow", action: "ALLOW", confidence: 0.51 } },
  ];

  it("one row per post with counts on top; with a second version, its columns and then the posts that differ", () => {
    expect(renderTable(items, "spam@aaaa", "spam@bbbb")).toBe(
      [
        "policy spam@aaaa: 3 posts, 1 violate, 1 allow, 1 failed",
        "ID     VERDICT  RULES  CONF   VS spam@bbbb  RULES  CONF   RATIONALE",
        "promo  violate  SP2    0.912  allow         -      -      Cold promotion of a course.",
        "chat   allow    -      -      allow         -      -",
        "slow   failed   -      -      allow         SP2    0.510  EngineTimeoutError: no answer within 60000 ms",
        "",
        "2 verdicts differ (spam@aaaa -> spam@bbbb):",
        "  promo: violate -> allow",
        "  slow: failed -> allow",
        "",
      ].join("\n"),
    );
  });

  it("without a second version: the action column, no comparison", () => {
    const text = renderTable(
      items.map((i) => ({ ...i, against: null })),
      "spam@aaaa",
      null,
    );
    expect(text.split("\n").slice(0, 3)).toEqual([
      "policy spam@aaaa: 3 posts, 1 violate, 1 allow, 1 failed",
      "ID     VERDICT  RULES  CONF   ACTION  RATIONALE",
      "promo  violate  SP2    0.912  HIDE    Cold promotion of a course.",
    ]);
    expect(text).not.toContain("differ");
  });
});
