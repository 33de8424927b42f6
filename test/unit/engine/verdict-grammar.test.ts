import { firstSentences, isPartComplete, parseVerdicts, planVerdict } from "@arbiter/shared/engine/index.js";

describe("verdict grammar", () => {
  it("samples only the free parts: label, rule ids (the policy's own when known) and rationale", () => {
    const plan = planVerdict([{ id: "spam", ruleIds: ["SP0", "SP2"] }], { rationaleMaxChars: 200, maxRuleIds: 4 });
    expect(plan.parts.map((part) => [part.kind, part.forced])).toEqual([
      ["label", '{"decision":"'],
      ["rule-ids", '","rule_ids":['],
      ["rationale", ',"rationale":"'],
    ]);
    expect(plan.parts[0]?.gbnf).toBe('root ::= "violate" | "allow"');
    expect(plan.parts[1]?.gbnf).toContain('rid ::= "\\"SP0\\"" | "\\"SP2\\""');
    expect(plan.parts[1]?.gbnf).toContain('("," rid){0,3})? "]"');
    expect(plan.parts[2]?.gbnf).toContain("char{0,200}");
    // Forced text + sample texts + trailer is the compact JSON the parser reads.
    const text = plan.parts.map((part, index) => part.forced + ["allow", '"SP2"]', 'Fine."'][index]).join("") + plan.trailer;
    expect(JSON.parse(text)).toEqual({ decision: "allow", rule_ids: ["SP2"], rationale: "Fine." });
  });

  it("injects an empty rule-id list when none are allowed, and keys combined verdicts by policy id", () => {
    const plan = planVerdict([{ id: "spam" }, { id: "hate" }], { rationaleMaxChars: 10, maxRuleIds: 0 });
    expect(plan.parts.map((part) => part.forced)).toEqual([
      '{"spam":{"decision":"',
      '","rule_ids":[],"rationale":"',
      '},"hate":{"decision":"',
      '","rule_ids":[],"rationale":"',
    ]);
    const text = plan.parts.map((part, index) => part.forced + ["violate", 'x"', "allow", '"'][index]).join("") + plan.trailer;
    expect(JSON.parse(text)).toEqual({ spam: { decision: "violate", rule_ids: [], rationale: "x" }, hate: { decision: "allow", rule_ids: [], rationale: "" } });
  });

  it("knows when a part is complete", () => {
    expect(isPartComplete("label", "viol")).toBe(false);
    expect(isPartComplete("label", "allow")).toBe(true);
    expect(isPartComplete("rule-ids", '"SP0","SP2"')).toBe(false);
    expect(isPartComplete("rule-ids", '"SP0"]')).toBe(true);
    expect(isPartComplete("rationale", 'He said \\"')).toBe(false);
    expect(isPartComplete("rationale", 'Path \\\\"')).toBe(true);
  });

  it("parses one verdict per policy in combined output, in policy order", () => {
    const text = JSON.stringify({
      hate: { decision: "allow", rule_ids: [], rationale: "Fine." },
      spam: { decision: "violate", rule_ids: ["SP2", "SP2"], rationale: "Ad. Link. Third." },
    });
    const verdicts = parseVerdicts(text, [{ id: "spam" }, { id: "hate" }]);
    expect(verdicts).toEqual([
      { decision: "violate", ruleIds: ["SP2"], rationale: "Ad. Link." },
      { decision: "allow", ruleIds: [], rationale: "Fine." },
    ]);
  });

  it("refuses output without a valid decision instead of guessing one", () => {
    expect(() => parseVerdicts('{"decision":"maybe","rule_ids":[],"rationale":""}', [{ id: "p" }])).toThrow(/decision/);
    expect(() => parseVerdicts('{"decision":"allow","rule_ids":[],"ratio', [{ id: "p" }])).toThrow();
  });

  it("keeps at most two sentences", () => {
    expect(firstSentences("One. Two! Three? Four.", 2)).toBe("One. Two!");
    expect(firstSentences("No full stop", 2)).toBe("No full stop");
  });
});
