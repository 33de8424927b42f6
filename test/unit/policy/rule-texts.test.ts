import { readFileSync } from "node:fs";
import path from "node:path";
import { parsePolicy, ruleTexts } from "@arbiter/shared/policy/index.js";
import { repoRoot } from "../../support/env.js";

test("takes each rule's bullet, bold or plain, with its continuation lines and without emphasis", () => {
  const body = [
    "## Violates (1)",
    "- **SH1 Graphic content**: graphic descriptions of self-injury, or content that",
    "  romanticises it.",
    "- CH2: step-by-step *instructions* to exploit a game.",
    "",
    "## Examples",
    '- "Selling SH1 guides" → 1, SH1',
    "- SH10: not SH1.",
  ].join("\n");
  expect(ruleTexts(body, ["SH1", "CH2", "SH10", "XX9"])).toEqual(
    new Map([
      ["SH1", "SH1 Graphic content: graphic descriptions of self-injury, or content that romanticises it."],
      ["CH2", "CH2: step-by-step instructions to exploit a game."],
      ["SH10", "SH10: not SH1."],
    ]),
  );
});

test("every rule of every shipped policy has its text", () => {
  const dir = path.join(repoRoot, "config/policies");
  for (const name of ["self-harm.md", "cheats.md", "spam.md", "hate.md"]) {
    const policy = parsePolicy(readFileSync(path.join(dir, name), "utf8"), name);
    const texts = ruleTexts(
      policy.body,
      policy.rules.map((r) => r.id),
    );
    expect({ name, missing: policy.rules.map((r) => r.id).filter((id) => !texts.has(id)) }).toEqual({ name, missing: [] });
  }
});
