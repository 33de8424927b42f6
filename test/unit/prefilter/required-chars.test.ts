import path from "node:path";
import { loadPolicySet } from "@arbiter/shared/policy/index.js";
import { compilePolicyRegex, UnsupportedRegexError } from "@arbiter/shared/policy/policy-regex.js";
import { holdsOneOf, requiredChars } from "@arbiter/shared/prefilter/required-chars.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

/**
 * The prefilter skips a policy regex on a text that holds none of its required characters;
 * these tests hold the derivation to its claim: with every required character taken out, no
 * text matches.
 */

const repoRoot = path.resolve(process.cwd());
const set = await loadPolicySet(path.join(repoRoot, "config/policies"));
const packRegexes = set.policies.flatMap((p) => p.regexes);

const SYNTHETIC = [
  "https?://",
  "ab+c",
  "x{2,}y",
  "x{0,3}y",
  "[a-c]-[0-9]{1,2}",
  "(foo|bar)\\.baz",
  "q?r*s",
  "\\d+%",
  "\\$\\d+",
  "[$€£]{2,}",
  "a.c",
  "^@\\w+",
  "(?:x|y)z",
  "\\bwww\\.",
  "[]a]b",
];
const PIECES = [
  "http",
  "https",
  "://",
  "www",
  ".",
  "com",
  "net",
  "exe",
  "zip",
  "$",
  "€",
  "£",
  "-",
  "a",
  "b",
  "c",
  "x",
  "y",
  "z",
  "q",
  "r",
  "s",
  "%",
  "@",
  "]",
  "1",
  "42",
  " ",
  "foo",
  "bar",
  "baz",
  "HTTP",
  "WWW",
  ".COM",
  "ABC",
  "/",
  ":",
  "\u212a", // the Kelvin sign: folds to k on the linear engine
  "\u017f", // the long s: folds to s
  "K",
  "k",
  "S",
];

function randomText(rand: () => number): string {
  let s = "";
  for (let k = Math.floor(rand() * 12); k >= 0; k--) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

describe("requiredChars", () => {
  it("derives a set for every regex of the default pack (so none runs on a text without it)", () => {
    expect(packRegexes.length).toBeGreaterThan(0);
    for (const r of packRegexes) expect({ r, required: requiredChars(r) !== undefined }).toEqual({ r, required: true });
  });

  it("gives up on what it does not read: alternatives at the top level, negated classes, optional atoms only", () => {
    for (const r of ["a|b", "[^a]", "x?", "(ab)+", "\\w+", ".", "\\u0041"]) expect({ r, required: requiredChars(r) }).toEqual({ r, required: undefined });
    expect(requiredChars("https?://")).toBe(":");
    expect(requiredChars("[$€£]{2,}")).toBe("$€£");
    // Letters come with what folds to them on the linear engine.
    expect(requiredChars("k")).toBe("kK\u212a");
    expect(requiredChars("s")).toBe("sS\u017f");
  });

  it("no text without a required character matches (default pack and synthetic regexes)", () => {
    const rand = seededRandom(5150);
    let matched = 0;
    for (const r of [...packRegexes, ...SYNTHETIC]) {
      const required = requiredChars(r);
      if (required === undefined) continue;
      // As the prefilter runs them: on the linear engine, case-insensitive. `[]a]b` (an empty
      // class in JavaScript, never matching) is refused there.
      let re;
      try {
        re = compilePolicyRegex(r);
      } catch (error) {
        expect(error).toBeInstanceOf(UnsupportedRegexError);
        expect(r).toBe("[]a]b");
        continue;
      }
      for (let t = 0; t < 3_000; t++) {
        const s = randomText(rand);
        if (re.test(s)) {
          matched++;
          expect({ r, s, holds: holdsOneOf(s, required) }).toEqual({ r, s, holds: true });
        }
        const without = [...s].map((c) => (required.includes(c) ? " " : c)).join("");
        expect({ r, without, matches: re.test(without) }).toEqual({ r, without, matches: false });
      }
    }
    expect(matched).toBeGreaterThan(2_000);
  });
});
