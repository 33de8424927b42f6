import { readFileSync } from "node:fs";
import path from "node:path";
import { parsePolicy } from "@arbiter/shared/policy/parse-policy.js";
import { diffLines, policyFieldChanges, unifiedDiff } from "@arbiter/shared/policy/policy-diff.js";
import { repoRoot } from "../../support/env.js";

describe("diffLines", () => {
  it("keeps the common lines and marks the rest, removals before additions", () => {
    expect(diffLines("a\nb\nc\nd", "a\nx\nc\nd\ne")).toEqual([
      { kind: " ", text: "a" },
      { kind: "-", text: "b" },
      { kind: "+", text: "x" },
      { kind: " ", text: "c" },
      { kind: " ", text: "d" },
      { kind: "+", text: "e" },
    ]);
  });

  it("applied, gives the new text back", () => {
    const before = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 3\n", "").replace("line 20", "line twenty").concat("\nline 40");
    const lines = diffLines(before, after);
    expect(
      lines
        .filter((l) => l.kind !== "+")
        .map((l) => l.text)
        .join("\n"),
    ).toBe(before);
    expect(
      lines
        .filter((l) => l.kind !== "-")
        .map((l) => l.text)
        .join("\n"),
    ).toBe(after);
  });
});

describe("unifiedDiff", () => {
  it("is empty for equal texts and writes hunks with line numbers and context otherwise", () => {
    expect(unifiedDiff("a\nb", "a\nb", { before: "x", after: "y" })).toBe("");
    const before = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join("\n");
    const after = before.replace("l2\n", "L2\n").replace("l18", "L18");
    expect(unifiedDiff(before, after, { before: "p@1", after: "p@2" }, 1)).toBe(
      ["--- p@1", "+++ p@2", "@@ -1,3 +1,3 @@", " l1", "-l2", "+L2", " l3", "@@ -17,3 +17,3 @@", " l17", "-l18", "+L18", " l19", ""].join("\n"),
    );
  });
});

describe("policyFieldChanges", () => {
  it("lists what the pipeline acts on: thresholds, rules, keywords, the body", () => {
    const text = readFileSync(path.join(repoRoot, "config/policies/spam.md"), "utf8");
    const before = parsePolicy(text, "spam.md");
    const after = parsePolicy(
      text
        .replace("escalation_threshold: 0.6", "escalation_threshold: 0.7")
        .replace("keywords: [click, ", "keywords: [clicky, ")
        .replace("## Examples", '## Examples\n- "Free pizza" → 0, SP0'),
      "spam.md",
    );
    expect(policyFieldChanges(before, after)).toEqual([
      "escalation_threshold: 0.6 -> 0.7",
      "keywords: + clicky",
      "keywords: - click",
      "body: changed (the text the model reads)",
    ]);
    expect(policyFieldChanges(before, before)).toEqual([]);
  });
});
