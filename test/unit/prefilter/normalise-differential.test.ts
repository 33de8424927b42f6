import { Prefilter, normalise } from "@arbiter/shared/prefilter/index.js";
import { testPolicy } from "./policy-fixture.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

const rng = seededRandom;

/** ASCII heavy on what the passes treat specially: leet, join separators, repeats, controls. */
const ALPHABET = "aabbcehikostAKO0134579@$!.-_ * ,?'\t\n\u0000\u007f2";

describe("normalise: the ASCII fast path agrees with the general passes", () => {
  it("on random ASCII texts (a trailing zero-width space forces the general path)", () => {
    const rand = rng(7);
    for (let t = 0; t < 20_000; t++) {
      const len = Math.floor(rand() * 60);
      let s = "";
      for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const fast = normalise(s);
      const general = normalise(`${s}\u200b`);
      expect({ s, text: fast.text, offsets: [...fast.offsets], ends: [...fast.ends] }).toEqual({
        s,
        text: general.text,
        offsets: [...general.offsets],
        ends: [...general.ends],
      });
    }
  });

  it("gives the same hits, in original coordinates, through the prefilter", () => {
    const policy = testPolicy({ id: "p", keywords: ["abc", "ab", "a b", "kis*", "*ost", "tea", "cake", "hi", "oo", "bet"] });
    const pf = new Prefilter([policy]);
    const rand = rng(11);
    for (let t = 0; t < 10_000; t++) {
      const len = Math.floor(rand() * 60);
      let s = "";
      for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      const fast = pf.match(s).policies[0]?.hits;
      const general = pf.match(`${s}\u200b`).policies[0]?.hits;
      expect({ s, hits: fast }).toEqual({ s, hits: general });
    }
  });
});
