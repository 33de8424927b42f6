import { firstSentences, parseVerdicts, verdictGrammarText } from "@arbiter/shared/engine/index.js";

describe("verdict grammar", () => {
  it("starts after an injected `{\"decision\":\"` and allows only the policy's rule ids when known", () => {
    const { scaffold, gbnf } = verdictGrammarText([{ id: "spam", ruleIds: ["SP0", "SP2"] }], { rationaleMaxChars: 200, maxRuleIds: 4 });
    expect(scaffold).toBe('{"decision":"');
    expect(gbnf).toMatch(/^root ::= label "\\",\\"rule_ids\\":\[" \(rid0 \(\",\" rid0\)\{0,3\}\)\? /);
    expect(gbnf).toContain('rid0 ::= "\\"SP0\\"" | "\\"SP2\\""');
    expect(gbnf).toContain("rationale ::= char{0,200}");
    expect(gbnf).toContain('label ::= "violate" | "allow"');
  });

  it("writes one verdict object per policy in combined mode, keyed by policy id in order", () => {
    const { scaffold, gbnf } = verdictGrammarText([{ id: "spam" }, { id: "hate" }], { rationaleMaxChars: 10, maxRuleIds: 0 });
    expect(scaffold).toBe('{"spam":{"decision":"');
    expect(gbnf).toContain('",\\"hate\\":{\\"decision\\":\\""');
    expect(gbnf.split("\n")[0]?.endsWith('"}"')).toBe(true);
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
