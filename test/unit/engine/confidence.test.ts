import { DecisionTracker, labelAt } from "@arbiter/shared/engine/index.js";
import type { Token } from "node-llama-cpp";

// A fake vocabulary: token id -> spelling, for the pure logic of reading the decision step.
const spellings = new Map<number, string>([
  [1, '"'],
  [2, "v"],
  [3, "viol"],
  [4, "violate"],
  [5, "a"],
  [6, "allow"],
  [7, ' "allow'],
  [8, "x"],
  [9, "violated"],
]);
const spell = (token: Token): string => spellings.get(token as unknown as number) ?? "?";
const dist = (entries: Array<[number, number]>): Map<Token, number> => new Map(entries.map(([token, p]) => [token as unknown as Token, p]));

describe("labelAt", () => {
  it("commits only once the first differing letters are written", () => {
    expect(labelAt('{"decision": "', 0)).toBeUndefined();
    expect(labelAt('{"decision": "v', 0)).toBe("violate");
    expect(labelAt('{"decision":"allow", "rule_ids"', 0)).toBe("allow");
    expect(labelAt('{"decision": "violated"', 0)).toBeUndefined();
    expect(labelAt('{"a":{"decision":"allow"},"b":{"decision":"v', 1)).toBe("violate");
  });
});

describe("DecisionTracker", () => {
  it("sums every token that commits to a label at the deciding step and normalises over the two labels", () => {
    const tracker = new DecisionTracker(1);
    // The quote alone commits to nothing: no decision yet.
    tracker.observe('{"decision":', " ", dist([[1, 0.9]]), spell);
    expect(tracker.pending).toBe(true);
    tracker.observe('{"decision": ', '"', dist([[1, 1]]), spell);
    expect(tracker.pending).toBe(true);
    // "v", "viol", "violate" → violate (0.1 + 0.2 + 0.1); "a", "allow" → allow (0.3 + 0.1); "x" and "violated" commit to neither.
    tracker.observe(
      '{"decision": "',
      "allow",
      dist([
        [2, 0.1],
        [3, 0.2],
        [4, 0.1],
        [5, 0.3],
        [6, 0.1],
        [8, 0.15],
        [9, 0.05],
      ]),
      spell,
    );
    expect(tracker.pending).toBe(false);
    const [measured] = tracker.decisions;
    expect(measured?.decision).toBe("allow");
    expect(measured?.mass.violate).toBeCloseTo(0.4);
    expect(measured?.mass.allow).toBeCloseTo(0.4);
    expect(measured?.confidence).toBeCloseTo(0.5);
  });

  it("follows the distribution: more mass on the chosen label, higher confidence", () => {
    const measure = (pViolate: number): number => {
      const tracker = new DecisionTracker(1);
      tracker.observe(
        '{"decision": "',
        "violate",
        dist([
          [4, pViolate],
          [6, 1 - pViolate],
        ]),
        spell,
      );
      return tracker.decisions[0]?.confidence ?? NaN;
    };
    expect(measure(0.9)).toBeCloseTo(0.9);
    expect(measure(0.6)).toBeCloseTo(0.6);
    expect(measure(0.3)).toBeCloseTo(0.3); // greedy can pick a token whose label has less total mass
  });

  it("reads a label that arrives with its opening quote in the same token", () => {
    const tracker = new DecisionTracker(1);
    tracker.observe(
      '{"decision":',
      ' "allow',
      dist([
        [7, 0.7],
        [1, 0.3],
      ]),
      spell,
    );
    expect(tracker.decisions[0]).toMatchObject({ decision: "allow", confidence: 1 });
  });

  it("measures each decision of a combined output in order", () => {
    const tracker = new DecisionTracker(2);
    tracker.observe(
      '{"spam":{"decision":"',
      "v",
      dist([
        [2, 0.8],
        [5, 0.2],
      ]),
      spell,
    );
    tracker.observe(
      '{"spam":{"decision":"violate","rule_ids":[],"rationale":""},"hate":{"decision":"',
      "a",
      dist([
        [2, 0.25],
        [5, 0.75],
      ]),
      spell,
    );
    expect(tracker.decisions.map((d) => [d.decision, Number(d.confidence.toFixed(2))])).toEqual([
      ["violate", 0.8],
      ["allow", 0.75],
    ]);
    expect(tracker.pending).toBe(false);
  });
});
