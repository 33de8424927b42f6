import type { Policy } from "@arbiter/shared/policy/index.js";
import { Prefilter } from "@arbiter/shared/prefilter/index.js";
import { Matcher } from "@arbiter/shared/prefilter/matcher.js";
import { asciiAt, asciiJoinRunEnd } from "@arbiter/shared/prefilter/normalise.js";
import { testPolicy } from "./policy-fixture.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

/**
 * The ASCII scanner decides most posts without normalising them; these tests hold it to the
 * general path (normalise + match), which a trailing zero-width space forces: dropped by the
 * fold, it changes neither the normalised text nor any offset.
 */

const KEYWORDS = [
  "abc",
  "ab",
  "a b",
  "kis*",
  "tea",
  "cake",
  "hi",
  "bet",
  "sh1t",
  "k1ll",
  "c4ke",
  "to be",
  "be*",
  "o k",
  "ok",
  "外挂",
  "*ost",
  "*eak*",
  "*s t*",
  "o.k",
  "c'est",
  "*-ish",
  "hi!",
];
const policies: Policy[] = [
  testPolicy({ id: "a-words", keywords: KEYWORDS }),
  testPolicy({ id: "b-pairs", signals: ["hate", "kill*", "sick"], targets: ["cats", "bots", "tea"], forums: ["games"] }),
  testPolicy({ id: "c-all", keywords: ["oak", "hike"], prefilter: "all", forums: ["games", "news"] }),
  testPolicy({ id: "d-off", keywords: ["the", "a"], prefilter: "off" }),
  testPolicy({ id: "e-news", keywords: ["stock*", "kite"], forums: ["news"] }),
];

const LETTERS = "abcehikostABCEHKOST";
const SEPARATORS = [" ", " ", " ", "  ", ", ", ". ", "! ", "? ", "\n", "-", ".", "*", "_", "'", "!", "1", "$", "@", " 4 ", "\t", "\u0000", "...", ""];
const LEET: Record<string, string[]> = { a: ["4", "@"], e: ["3"], i: ["1", "!"], o: ["0"], s: ["5", "$"], t: ["7"], l: ["1"] };

function obfuscate(word: string, rand: () => number): string {
  let w = word;
  const r = rand();
  if (r < 0.15)
    w = [...w].join(rand() < 0.5 ? "." : rand() < 0.5 ? " " : "-"); // s.p.a.c.e.d
  else if (r < 0.3)
    w = [...w].map((c) => (rand() < 0.4 ? c.repeat(2 + Math.floor(rand() * 3)) : c)).join(""); // repeats
  else if (r < 0.45) w = [...w].map((c) => (rand() < 0.5 ? (LEET[c]?.[Math.floor(rand() * 2)] ?? c) : c)).join(""); // leet
  if (rand() < 0.2) w = w.toUpperCase();
  else if (rand() < 0.2) w = w[0]?.toUpperCase() + w.slice(1);
  return w;
}

function randomPost(rand: () => number): string {
  const tokens = 1 + Math.floor(rand() * 12);
  let s = rand() < 0.1 ? " " : "";
  for (let t = 0; t < tokens; t++) {
    let w: string;
    const r = rand();
    if (r < 0.35)
      w = KEYWORDS.concat("hate", "kill", "killer", "cats", "bots", "oak", "hike", "stocks", "kite", "sick", "lost", "steak", "boyish")[
        Math.floor(rand() * 36)
      ] as string;
    else {
      w = "";
      const len = 1 + Math.floor(rand() * 6);
      for (let i = 0; i < len; i++) w += LETTERS[Math.floor(rand() * LETTERS.length)];
    }
    s += obfuscate(w, rand) + SEPARATORS[Math.floor(rand() * SEPARATORS.length)];
  }
  if (rand() < 0.03) s += ["é", "\u200b", "а", "ｔｅａ", "🙂"][Math.floor(rand() * 5)];
  return s;
}

/** A letter-by-letter spelling ("c.c.c", "h a t e") starts somewhere in an ASCII text. */
function hasJoinRun(s: string): boolean {
  const t = Uint8Array.from(s, (c) => c.charCodeAt(0));
  const n = t.length;
  const letter = (i: number): boolean => /[a-z]/.test(String.fromCharCode(asciiAt(t, i, n)));
  const word = (i: number): boolean => /[a-z0-9]/.test(String.fromCharCode(asciiAt(t, i, n)));
  for (let i = 0; i < n; i++) if (letter(i) && (i === 0 || !word(i - 1)) && asciiJoinRunEnd(t, i, n) >= 0) return true;
  return false;
}

const FORUMS = [undefined, "games", "news", "other"];

describe("AsciiScanner: posts it settles get exactly the general path's result", () => {
  it("on random obfuscated posts, in every forum", () => {
    const pf = new Prefilter(policies);
    const rand = seededRandom(2024);
    let hits = 0;
    for (let t = 0; t < 30_000; t++) {
      const s = randomPost(rand);
      const forum = FORUMS[t % FORUMS.length];
      const fast = pf.match(s, forum);
      const general = pf.match(`${s}\u200b`, forum);
      if (general.policies.some((p) => p.hits.length > 0)) hits++;
      expect({ s, forum, any: fast.anySendToModel, policies: fast.policies }).toEqual({ s, forum, any: general.anySendToModel, policies: general.policies });
    }
    // The texts must exercise both outcomes.
    expect(hits).toBeGreaterThan(5_000);
    expect(hits).toBeLessThan(25_000);
  });

  it("on longer posts, hits on both sides of a separator", () => {
    const pf = new Prefilter(policies);
    const rand = seededRandom(4242);
    for (let t = 0; t < 5_000; t++) {
      let s = randomPost(rand);
      for (let k = Math.floor(rand() * 4); k >= 0; k--) s += [", ", ",", "? ", "; ", " "][Math.floor(rand() * 5)] + randomPost(rand);
      const forum = FORUMS[t % FORUMS.length];
      const fast = pf.match(s, forum);
      const general = pf.match(`${s}\u200b`, forum);
      expect({ s, forum, policies: fast.policies }).toEqual({ s, forum, policies: general.policies });
    }
  });

  it("answers 'maybe' only for a post with a hit or a letter-by-letter spelling", () => {
    const live = policies.filter((p) => p.prefilter !== "off");
    const pf = new Prefilter(live);
    const matcher = new Matcher(live);
    const rand = seededRandom(99);
    let maybes = 0;
    for (let t = 0; t < 20_000; t++) {
      const s = randomPost(rand);
      const forum = FORUMS[t % FORUMS.length];
      const active = forum === undefined ? undefined : Uint8Array.from(live, (p) => (p.forums.includes("*") || p.forums.includes(forum) ? 1 : 0));
      if (!matcher.mayHit(s, active)) continue;
      maybes++;
      const hit = pf.match(s, forum).policies.some((p) => p.hits.length > 0);
      if (/[^\u0000-\u007f]/.test(s)) continue;
      expect({ s, hitOrJoin: hit || hasJoinRun(s) }).toEqual({ s, hitOrJoin: true });
    }
    expect(maybes).toBeGreaterThan(1_000);
  });

  it("settles targeted cases", () => {
    const pf = new Prefilter(policies);
    const cases = [
      "",
      " ",
      "ab",
      "abx",
      "xab",
      "a.b",
      "a b",
      "a b c",
      "a.b.c",
      "a-b-c d",
      "t e a",
      "TEA",
      "teeea",
      "t3a",
      "te4",
      "7ea",
      "tea!",
      "tea1",
      "tea12",
      "k1ll",
      "kill",
      "ki11",
      "k!ll",
      "sh!t",
      "$h1t",
      "shit!",
      "c@ke",
      "c4k3",
      "cake5",
      "cakes",
      "kiss",
      "kis",
      "ki s",
      "to be",
      "to  be",
      "to\nbe",
      "tobe",
      "to-be",
      "be",
      "bet",
      "beta",
      "hi!",
      "hi1",
      "h1",
      "!hi",
      "1hi",
      "o k",
      "o.k",
      "ok",
      "okay",
      "hate cats",
      "i hate bots",
      "sick tea",
      "hate",
      "cats",
      "killer bots",
      "hike",
      "oak tree",
      "stocks up",
      "kite",
      "abc!!!",
      "abcabc",
      "a!b",
      "a$b",
      "a@b",
      "@bc",
      "4bc",
      "ABC",
      "A.B.C",
      "A B",
      "\u0000ab\u0000",
      "kis$x",
      "kiss$x",
      "kis$ x",
      "kis$",
      "hi!x",
      "hi!!x",
      "h!!x",
      "c@ke",
      "c@@ke",
      "be@",
      "tea$y",
      "kis!s",
      "  tea",
      "tea  ",
      "a  b",
      "x 外挂",
      "abé",
      "ab\u200b",
      "ＡＢ",
      "h4te c4ts",
      "H A T E cats",
      "hhhaaattteee cats",
      "c.a.t.s hate",
    ];
    for (const s of cases) {
      for (const forum of FORUMS) {
        const fast = pf.match(s, forum);
        const general = pf.match(`${s}\u200b`, forum);
        expect({ s, forum, policies: fast.policies, normalised: fast.normalisedText }).toEqual({
          s,
          forum,
          policies: general.policies,
          normalised: general.normalisedText,
        });
      }
    }
  });

  it("settles posts for terms matched anywhere in a word (`*word`, `*word*`) and CJK terms", () => {
    const mixed = [testPolicy({ id: "m", keywords: ["*ost", "*eak*", "外挂"] })];
    const matcher = new Matcher(mixed);
    expect(matcher.mayHit("nothing here", undefined)).toBe(false);
    expect(matcher.mayHit("a lost post", undefined)).toBe(true);
    expect(matcher.mayHit("the lost boys", undefined)).toBe(true);
    expect(matcher.mayHit("lostly", undefined)).toBe(false);
    expect(matcher.mayHit("steaks", undefined)).toBe(true);
    const pf = new Prefilter(mixed);
    expect(pf.match("a lost post").policies[0]?.hits.map((h) => h.term)).toEqual(["*ost", "*ost"]);
    expect(pf.match("no match").anySendToModel).toBe(false);
  });
});
