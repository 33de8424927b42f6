import { PolicyError, parsePolicy } from "@arbiter/shared/policy/index.js";
import { thrown } from "../../support/thrown.js";

const policy = (dsa: string) => `---
id: cheats
title: Cheats
keywords: [aimbot]
rules: [CH0]
${dsa}
---
Body.
`;

describe("a policy's dsa front matter", () => {
  it("maps the policy to the Transparency Database's words", () => {
    const p = parsePolicy(
      policy(`dsa:
  category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
  specification: [KEYWORD_OTHER]
  specification_other: Game cheats for sale
  ground: incompatible
  tos_url: https://forum.example/terms#cheats`),
      "cheats.md",
    );
    expect(p.dsa).toEqual({
      category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
      specification: ["KEYWORD_OTHER"],
      specificationOther: "Game cheats for sale",
      ground: "incompatible",
      tosUrl: "https://forum.example/terms#cheats",
      legalGround: null,
      explanation: null,
    });
  });

  it("is optional: a policy without it is not mapped", () => {
    expect(parsePolicy(policy(""), "cheats.md").dsa).toBeUndefined();
  });

  it.each([
    ["category: SCAMS\n  ground: incompatible\n  tos_url: https://x.example/t", /"category" must be one of STATEMENT_CATEGORY_ANIMAL_WELFARE/],
    ["category: STATEMENT_CATEGORY_VIOLENCE\n  tos_url: https://x.example/t", /"ground" is required/],
    ["category: STATEMENT_CATEGORY_VIOLENCE\n  ground: illegal\n  tos_url: https://x.example/t", /"legal_ground" is required/],
    ["category: STATEMENT_CATEGORY_VIOLENCE\n  ground: incompatible\n  tos_url: terms.html", /"tos_url" must be an http\(s\) URL/],
    [
      "category: STATEMENT_CATEGORY_VIOLENCE\n  ground: incompatible\n  tos_url: https://x.example/t\n  specification: [KEYWORD_OTHER]",
      /"specification_other" is required/,
    ],
    [
      "category: STATEMENT_CATEGORY_VIOLENCE\n  ground: incompatible\n  tos_url: https://x.example/t\n  specification: [GORE]",
      /"specification" item 1 must be one of/,
    ],
    ["category: STATEMENT_CATEGORY_VIOLENCE\n  ground: incompatible\n  tos_url: https://x.example/t\n  url: https://x.example", /unknown key "url"/],
    [
      `category: STATEMENT_CATEGORY_VIOLENCE\n  ground: incompatible\n  tos_url: https://x.example/t\n  explanation: "${"x".repeat(2001)}"`,
      /"explanation" is 2001 characters; the Transparency Database takes at most 2000/,
    ],
  ])("refuses %#, naming the field dsa and the problem", (body, message) => {
    const error = thrown(() => parsePolicy(policy(`dsa:\n  ${body}`), "cheats.md"), PolicyError);
    expect(error.field).toBe("dsa");
    expect(error.message).toMatch(message);
  });

  it("refuses a dsa that is not a map", () => {
    expect(thrown(() => parsePolicy(policy("dsa: scams"), "cheats.md"), PolicyError).message).toMatch(/dsa.*must be a map/);
  });
});
