import { readFileSync } from "node:fs";
import path from "node:path";
import { checkPolicy } from "@arbiter/shared/policy/check-policy.js";
import { repoRoot } from "../../support/env.js";

const spamFile = path.join(repoRoot, "config/policies/spam.md");
const spam = readFileSync(spamFile, "utf8");
const limits = { maxBodyChars: 8000, maxTokens: 1500 };
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

describe("checkPolicy", () => {
  it("passes every shipped policy", () => {
    for (const id of ["cheats", "fake-reviews", "harassment", "hate", "self-harm-encouragement", "self-harm", "sexual-minors", "sexual", "spam", "violence"]) {
      const file = path.join(repoRoot, "config/policies", `${id}.md`);
      expect({ id, errors: checkPolicy(readFileSync(file, "utf8"), file, limits).errors }).toEqual({ id, errors: [] });
    }
  });

  it("reports a front-matter error as the parser words it, with its line", () => {
    const check = checkPolicy(spam.replace("escalation_threshold: 0.6", "escalation_threshold: 7"), "spam.md", limits);
    expect(check.policy).toBeNull();
    expect(check.errors).toEqual([`spam.md:${lineOf(spam, "escalation_threshold")}: field "escalation_threshold": must be a number from 0 to 1`]);
  });

  it("names a missing section and a duplicated one", () => {
    const text = spam.replace("## Definitions\n", "## Glossary\n").replace("## Output\n", "## Examples\n");
    const check = checkPolicy(text, "spam.md", limits);
    expect(check.errors).toEqual([
      'spam.md: section "## Definitions" is missing',
      `spam.md:${lineOf(text, "## Output") || text.split("\n").lastIndexOf("## Examples") + 1}: section "## Examples" appears twice (also line ${lineOf(text, "## Examples")})`,
    ]);
  });

  it("finds a rule the body defines but the front matter does not list, and one listed but never defined", () => {
    const text = spam.replace("  - id: SP3\n", "");
    const check = checkPolicy(text, "spam.md", limits);
    expect(check.errors).toEqual([
      `spam.md:${lineOf(text, "**SP3")}: rule SP3 is defined here but not listed in the front matter's rules (the model may only answer listed ids)`,
    ]);
    const renamed = spam.replace("- **SP3 High-risk spam**", "- **SP5 High-risk spam**");
    expect(checkPolicy(renamed, "spam.md", limits).errors).toEqual([
      `spam.md:${lineOf(renamed, "**SP5")}: rule SP5 is defined here but not listed in the front matter's rules (the model may only answer listed ids)`,
      'spam.md: rule SP3 is listed in the front matter but no criterion ("- **SP3 …**" or "- SP3: …") under "## Violates (1)" or "## Safe (0)" defines it',
    ]);
  });

  it("rejects a body over the size limit and over the token limit; warns outside the sweet spot and on few examples", () => {
    const check = checkPolicy(spam, "spam.md", { maxBodyChars: 1000, maxTokens: 100 }, (body) => body.length);
    expect(check.bodyChars).toBeGreaterThan(1000);
    expect(check.errors).toEqual([
      `spam.md: the body is ${check.bodyChars} characters, over the limit of 1000 (policies.maxBodyChars)`,
      `spam.md: the body is ${check.bodyChars} tokens, over the limit of 100 (policies.maxTokens)`,
    ]);
    const fewer = spam.replace(/^- "Can you fix my order\?".*\n/m, "").replace(/^- "Earn \$\$\$ by recruiting members".*\n/m, "");
    const warned = checkPolicy(fewer, "spam.md", limits, () => 300);
    expect(warned.errors).toEqual([]);
    expect(warned.tokens).toBe(300);
    expect(warned.warnings).toEqual([
      `spam.md:${lineOf(fewer, "## Examples")}: 3 examples; 4–6 short labelled ones work best`,
      "spam.md: the body is 300 tokens; 400–600 is the sweet spot",
    ]);
  });
});
