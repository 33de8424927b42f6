import { firstSentences, parseVerdicts, verdictSchema } from "@arbiter/shared/engine/index.js";

describe("verdict grammar", () => {
  it("puts the decision first and restricts rule ids to the policy's when known", () => {
    const schema = verdictSchema({ id: "spam", ruleIds: ["SP0", "SP2"] }, { rationaleMaxChars: 200, maxRuleIds: 4 }) as {
      properties: Record<string, { enum?: string[]; items?: { enum?: string[] }; maxItems?: number; maxLength?: number }>;
    };
    expect(Object.keys(schema.properties)).toEqual(["decision", "rule_ids", "rationale"]);
    expect(schema.properties.decision?.enum).toEqual(["violate", "allow"]);
    expect(schema.properties.rule_ids?.items?.enum).toEqual(["SP0", "SP2"]);
    expect(schema.properties.rule_ids?.maxItems).toBe(4);
    expect(schema.properties.rationale?.maxLength).toBe(200);
  });

  it("parses one verdict per policy in combined output, in policy order", () => {
    const text = JSON.stringify({ hate: { decision: "allow", rule_ids: [], rationale: "Fine." }, spam: { decision: "violate", rule_ids: ["SP2", "SP2"], rationale: "Ad. Link. Third." } });
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
