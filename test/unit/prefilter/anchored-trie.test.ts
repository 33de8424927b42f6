import { AnchoredTrie } from "@arbiter/shared/prefilter/anchored-trie.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

const rng = seededRandom;

/** Letters and digits are word characters here; space, "." and "é"-like extras are not. */
const WORD_CODE = new Uint8Array(0x10000);
for (const c of "abcdefxyz0123") WORD_CODE[c.charCodeAt(0)] = 1;

function codesOf(text: string): Uint16Array {
  return Uint16Array.from(text, (c) => c.charCodeAt(0));
}

/** Every (patternId, end) the trie reports, sorted. */
function scan(trie: AnchoredTrie, text: string, soft: Uint8Array): string[] {
  const codes = codesOf(text);
  let out = new Int32Array(2);
  let n = trie.scan(codes, codes.length, soft, WORD_CODE, out);
  if (n * 2 > out.length) {
    out = new Int32Array(n * 2);
    n = trie.scan(codes, codes.length, soft, WORD_CODE, out);
  }
  const found: string[] = [];
  for (let q = 0; q < n; q++) found.push(`${out[q * 2]}@${out[q * 2 + 1]}`);
  return found.sort();
}

/** The definition: every pattern occurrence that starts where a word may start. */
function naive(patterns: readonly string[], text: string, soft: Uint8Array): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const wordStart = i === 0 || WORD_CODE[text.charCodeAt(i - 1)] === 0 || soft[i] === 1;
    if (!wordStart) continue;
    patterns.forEach((p, id) => {
      if (p.length > 0 && text.startsWith(p, i)) found.push(`${id}@${i + p.length}`);
    });
  }
  return found.sort();
}

describe("AnchoredTrie", () => {
  it("reports patterns starting at word starts only", () => {
    const trie = new AnchoredTrie(["ab", "abc", "b", ""]);
    const text = "ab abc xab";
    expect(scan(trie, text, new Uint8Array(text.length + 1))).toEqual(["0@2", "0@5", "1@6"].sort());
  });

  it.each([
    ["short patterns, tiny alphabet", 1, "ab ", 1, 6, 40],
    ["longer patterns, word characters and separators", 2, "abcxyz0 .", 1, 12, 60],
    ["patterns past the dense width (per-node maps)", 3, "abcdefxyz0123 .\u00e9\u4e00", 2, 8, 50],
  ])("agrees with a naive search on random texts: %s", (_name, seed, alphabet, minLen, maxLen, textLen) => {
    const rand = rng(seed);
    const pick = (): string => alphabet[Math.floor(rand() * alphabet.length)] as string;
    for (let round = 0; round < 300; round++) {
      const patterns: string[] = [];
      const count = 1 + Math.floor(rand() * 30);
      for (let p = 0; p < count; p++) {
        const len = minLen + Math.floor(rand() * (maxLen - minLen + 1));
        let s = "";
        for (let i = 0; i < len; i++) s += pick();
        patterns.push(rand() < 0.05 ? "" : s);
      }
      // A small dense width forces some characters into the per-node maps.
      const trie = new AnchoredTrie(patterns, seed === 3 ? 4 : 96);
      for (let t = 0; t < 10; t++) {
        const len = Math.floor(rand() * textLen);
        let text = "";
        for (let i = 0; i < len; i++) {
          // Plant patterns now and then so there is something to find.
          if (rand() < 0.15) text += patterns[Math.floor(rand() * patterns.length)] as string;
          else text += pick();
        }
        const soft = new Uint8Array(text.length + 1);
        for (let i = 0; i < text.length; i++) soft[i] = rand() < 0.1 ? 1 : 0;
        expect({ patterns, text, found: scan(trie, text, soft) }).toEqual({ patterns, text, found: naive(patterns, text, soft) });
      }
    }
  });
});
