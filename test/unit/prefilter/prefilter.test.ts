import { PolicySet } from "@arbiter/shared/policy/index.js";
import { LivePrefilter, Prefilter } from "@arbiter/shared/prefilter/index.js";
import { testPolicy } from "./policy-fixture.js";

const cheats = testPolicy({ id: "cheats", keywords: ["aimbot", "soft aim", "kill*", "外挂"] });

function hitTexts(prefilter: Prefilter, text: string, policyId: string): string[] {
  const r = prefilter.match(text).policies.find((p) => p.policyId === policyId);
  return (r?.hits ?? []).map((h) => text.slice(h.start, h.end));
}

describe("Prefilter", () => {
  it("sends a post with a keyword hit to the model and reports the hit in the original text", () => {
    const pf = new Prefilter([cheats]);
    const text = "Selling A.I.M.B.O.T, also aaaimbooot!";
    const r = pf.match(text);
    expect(r.anySendToModel).toBe(true);
    expect(r.allowedAtPrefilter).toBe(false);
    expect(r.policies[0]).toMatchObject({ policyId: "cheats", policyVersion: "v-cheats", mode: "keywords", sendToModel: true, reason: "keyword-hit" });
    expect(hitTexts(pf, text, "cheats")).toEqual(["A.I.M.B.O.T", "aaaimbooot"]);
  });

  it("allows a post with no hit at the prefilter stage and says so", () => {
    const r = new Prefilter([cheats]).match("Nice game yesterday, GG everyone");
    expect(r.anySendToModel).toBe(false);
    expect(r.allowedAtPrefilter).toBe(true);
    expect(r.policies[0]).toMatchObject({ sendToModel: false, reason: "no-keyword-hit", hits: [] });
  });

  it("matches whole words for spaced scripts, prefixes with *, and substrings for CJK", () => {
    const pf = new Prefilter([cheats]);
    expect(hitTexts(pf, "great skill shot", "cheats")).toEqual([]);
    expect(hitTexts(pf, "killing it", "cheats")).toEqual(["killing".slice(0, 4)]);
    expect(hitTexts(pf, "卖外挂了", "cheats")).toEqual(["外挂"]);
  });

  it("matches a phrase spelled out letter by letter or closed up", () => {
    const pf = new Prefilter([cheats]);
    expect(hitTexts(pf, "get s o f t a i m here", "cheats")).toEqual(["s o f t a i m"]);
    expect(hitTexts(pf, "get softaim here", "cheats")).toEqual(["softaim"]);
  });

  it("counts a signal only together with a target", () => {
    const hate = testPolicy({ id: "hate", signals: ["hate*", "*hate"], targets: ["immigrants"] });
    const pf = new Prefilter([hate]);
    expect(pf.match("I hate Mondays").anySendToModel).toBe(false);
    expect(pf.match("Immigrants live here").anySendToModel).toBe(false);
    const text = "Ihate immigrants";
    expect(pf.match(text).anySendToModel).toBe(true);
    expect(hitTexts(pf, text, "hate")).toEqual(["hate", "immigrants"]);
  });

  it("applies modes: all always sends, off never does and compiles nothing", () => {
    const pf = new Prefilter([testPolicy({ id: "everything", prefilter: "all" }), testPolicy({ id: "disabled", prefilter: "off", keywords: ["aimbot"] })]);
    const r = pf.match("nothing to see");
    expect(r.policies.map((p) => [p.policyId, p.sendToModel, p.reason])).toEqual([
      ["disabled", false, "mode-off"],
      ["everything", true, "mode-all"],
    ]);
    expect(pf.match("aimbot").policies.find((p) => p.policyId === "disabled")?.hits).toEqual([]);
  });

  it("runs a policy's regexes case-insensitively on the original text", () => {
    const pf = new Prefilter([testPolicy({ id: "spam", regexes: ["https?://\\S+"] })]);
    const text = "see HTTP://Example.com now";
    expect(hitTexts(pf, text, "spam")).toEqual(["HTTP://Example.com"]);
  });

  it("evaluates only the policies of the post's forum", () => {
    const pf = new Prefilter([testPolicy({ id: "cheats", keywords: ["aimbot"], forums: ["gaming"] }), testPolicy({ id: "spam", keywords: ["buy"] })]);
    expect(pf.match("buy aimbot", "gaming").policies.map((p) => p.policyId)).toEqual(["cheats", "spam"]);
    expect(pf.match("buy aimbot", "cooking").policies.map((p) => p.policyId)).toEqual(["spam"]);
  });

  it("caps the text for the model, flags it, and never splits a surrogate pair", () => {
    const pf = new Prefilter([cheats], { maxModelChars: 5 });
    const r = pf.match("abcd😀aimbot");
    expect(r.truncated).toBe(true);
    expect(r.modelText).toBe("abcd");
    expect(r.anySendToModel).toBe(true); // the whole post is still scanned
    expect(pf.match("abc").truncated).toBe(false);
  });

  it("rejects bad options at construction, naming the field", () => {
    expect(() => new Prefilter([cheats], { maxModelChars: 0 })).toThrow(/maxModelChars/);
  });

  it("gives obfuscated variants of a post the same normalised text (the cache key input)", () => {
    const pf = new Prefilter([cheats]);
    expect(pf.match("AIMBOT  4 sale").normalisedText).toBe(pf.match("a.i.m.b.o.t 4 sale").normalisedText.replace("aimbot", "aimbot"));
    expect(pf.match("ＡＩＭＢＯＴ").normalisedText).toBe("aimbot");
  });
});

describe("LivePrefilter", () => {
  it("swaps to a new automaton only when the policy-set version changes", () => {
    const live = new LivePrefilter(new PolicySet([cheats]));
    const first = live.current;
    expect(live.update(new PolicySet([cheats]))).toBe(false);
    expect(live.current).toBe(first);
    const edited = testPolicy({ id: "cheats", version: "v2", keywords: ["wallhack"] });
    expect(live.update(new PolicySet([edited]))).toBe(true);
    expect(live.current.match("aimbot").anySendToModel).toBe(false);
    expect(live.current.match("wallhack").policies[0]?.policyVersion).toBe("v2");
    // A result taken before the swap still names the version that produced it.
    expect(first.match("aimbot").policies[0]?.policyVersion).toBe("v-cheats");
  });
});
