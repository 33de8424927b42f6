import path from "node:path";
import { loadPolicySet, type Policy } from "@arbiter/shared/policy/index.js";
import { Prefilter } from "@arbiter/shared/prefilter/index.js";

const repoRoot = path.resolve(process.cwd());
const set = await loadPolicySet(path.join(repoRoot, "config/policies"));
const prefilter = new Prefilter(set);
const byId = (id: string): Policy => {
  const p = set.get(id);
  if (!p) throw new Error(`no policy ${id}`);
  return p;
};
const sends = (text: string, policyId: string, forumId?: string): boolean =>
  prefilter.match(text, forumId).policies.find((p) => p.policyId === policyId)?.sendToModel === true;

describe("default policy pack (config/policies)", () => {
  it("has the article's three policies, spam and the common harms", () => {
    expect(set.policies.map((p) => p.id).sort()).toEqual(
      ["cheats", "fake-reviews", "harassment", "hate", "self-harm", "self-harm-encouragement", "sexual", "sexual-minors", "spam", "violence"].sort(),
    );
  });

  describe.each(set.policies.map((p) => [p.id, p] as const))("%s", (_id, policy) => {
    it("follows the gpt-oss-safeguard structure", () => {
      for (const heading of ["## Instructions", "## Definitions", "## Violates (1)", "## Safe (0)", "## Examples", "## Output"]) {
        expect(policy.body).toContain(heading);
      }
      const examples = policy.body.split("## Examples")[1]?.split("## Output")[0] ?? "";
      const labelled = examples.split("\n").filter((l) => /→ [01], [A-Z]+\d/.test(l));
      expect(labelled.length).toBeGreaterThanOrEqual(4);
      expect(labelled.length).toBeLessThanOrEqual(6);
    });

    it("is 400-600 tokens long (about 4 characters a token)", () => {
      const tokens = policy.body.length / 4;
      expect(tokens).toBeGreaterThanOrEqual(400);
      expect(tokens).toBeLessThanOrEqual(600);
    });

    it("only names rule ids it declares, and declares only rule ids its body defines", () => {
      const declared = new Set(policy.rules.map((r) => r.id));
      const named = new Set(policy.body.match(/\b[A-Z]{2}\d\b/g) ?? []);
      expect([...named].filter((id) => !declared.has(id))).toEqual([]);
      expect([...declared].filter((id) => !named.has(id))).toEqual([]);
    });

    it("has keywords in English, German, Spanish and Mandarin", () => {
      const terms = [...policy.keywords, ...policy.signals, ...policy.targets].join(" ");
      expect(terms).toMatch(/[\u4e00-\u9fff]/); // Han
      expect(terms).toMatch(/[äöüß]|\b(ich|nicht|kostenlos|töten|sterne|selbstmord|nackt|schummel)/i); // German
      expect(terms).toMatch(/[ñáéíóú]|\b(gratis|matar|sexo|trampa)/i); // Spanish
    });
  });

  it("catches the article's three example posts (cheats only in gaming forums)", () => {
    expect(sends("Soft-aim zip attached, 100 % undetected after last patch. PM for password.", "cheats", "gaming")).toBe(true);
    expect(prefilter.match("Soft-aim zip attached", "cooking").policies.some((p) => p.policyId === "cheats")).toBe(false);
    expect(sends("Arrived quickly, well packed, five stars! Extra $3 refunded after screenshot.", "fake-reviews", "reviews")).toBe(true);
    expect(sends("Quit sertraline cold turkey last week; dizzy but free. Who else has done it?", "self-harm-encouragement")).toBe(true);
  });

  it("catches obfuscated and multilingual hate but not a harmless mention of a group", () => {
    expect(sends("1mm1gr4nts are v e r m i n", "hate")).toBe(true);
    expect(sends("Ich hasse Flüchtlinge.", "hate")).toBe(true);
    expect(sends("Odio a los inmigrantes.", "hate")).toBe(true);
    expect(sends("我恨穆斯林。", "hate")).toBe(true);
    expect(sends("Three immigrants were elected to parliament today.", "hate")).toBe(false);
    expect(sends("I hate Mondays.", "hate")).toBe(false);
  });

  it("marks the rules that must escalate, like SP4 in OpenAI's spam policy", () => {
    expect(byId("spam").rules.find((r) => r.id === "SP4")?.escalate).toBe(true);
    expect(byId("spam").rules.find((r) => r.id === "SP2")?.escalate).toBe(false);
  });
});
