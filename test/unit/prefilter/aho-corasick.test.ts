import { AhoCorasick } from "@arbiter/shared/prefilter/index.js";
import { seededRandom } from "@arbiter/shared/stats/seeded-sample.js";

const rng = seededRandom;

function naive(patterns: string[], text: string): string[] {
  const out: string[] = [];
  patterns.forEach((p, id) => {
    if (p.length === 0) return;
    for (let i = text.indexOf(p); i >= 0; i = text.indexOf(p, i + 1)) out.push(`${id}@${i + p.length}`);
  });
  return out.sort();
}

function scan(ac: AhoCorasick, text: string): string[] {
  const codes = Uint16Array.from(text, (c) => c.charCodeAt(0));
  const out = new Int32Array(1 << 16);
  const n = ac.scan(codes, codes.length, out);
  const hits: string[] = [];
  for (let i = 0; i < n; i++) hits.push(`${out[i * 2]}@${out[i * 2 + 1]}`);
  return hits.sort();
}

describe("AhoCorasick", () => {
  it("finds overlapping and nested patterns", () => {
    const ac = new AhoCorasick(["he", "she", "his", "hers"]);
    expect(scan(ac, "ushers")).toEqual(["0@4", "1@4", "3@6"]);
  });

  it("agrees with a naive search on random ASCII and CJK patterns (dense and sparse transitions)", () => {
    const rand = rng(7);
    // Small alphabets force many shared prefixes and failure links; CJK goes to the sparse maps.
    const alphabet = ["a", "b", "c", "d", " ", "恨", "女", "人", "死"];
    const word = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    for (let round = 0; round < 30; round++) {
      const patterns = Array.from({ length: 40 }, () => word(1 + Math.floor(rand() * 5)));
      const ac = new AhoCorasick(patterns, 6); // tiny dense width: most classes are sparse
      const text = word(300);
      expect(scan(ac, text)).toEqual(naive(patterns, text));
    }
  });

  it("reports more occurrences than fit, so the caller can grow the buffer", () => {
    const ac = new AhoCorasick(["a"]);
    const codes = Uint16Array.from("aaaaa", (c) => c.charCodeAt(0));
    expect(ac.scan(codes, 5, new Int32Array(4))).toBe(5);
  });
});
