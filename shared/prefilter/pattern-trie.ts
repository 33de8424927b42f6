/**
 * What the Aho–Corasick automaton and the word-start trie both build first: a character-class
 * table (ASCII first, so it fills the dense columns, then by frequency) and the trie of the
 * patterns over those classes.
 */
export interface PatternTrie {
  /** Character code -> class (0 = a character no pattern contains). */
  classOf: Uint16Array;
  /** Number of classes in use, plus one for class 0. */
  classCount: number;
  /** Per node: class -> child node. Node 0 is the root. */
  children: Map<number, number>[];
  /** Per node: the ids of the patterns ending there. */
  own: number[][];
}

export function buildPatternTrie(patterns: readonly string[]): PatternTrie {
  const freq = new Map<number, number>();
  for (const p of patterns)
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      freq.set(c, (freq.get(c) ?? 0) + 1);
    }
  const alphabet = [...freq.entries()].sort((x, y) => (x[0] < 128 ? 0 : 1) - (y[0] < 128 ? 0 : 1) || y[1] - x[1] || x[0] - y[0]).map(([c]) => c);
  const classOf = new Uint16Array(0x10000);
  alphabet.forEach((c, i) => {
    classOf[c] = i + 1;
  });

  const children: Map<number, number>[] = [new Map()];
  const own: number[][] = [[]];
  patterns.forEach((p, id) => {
    if (p.length === 0) return;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const k = classOf[p.charCodeAt(i)] as number;
      let next = (children[s] as Map<number, number>).get(k);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        own.push([]);
        (children[s] as Map<number, number>).set(k, next);
      }
      s = next;
    }
    (own[s] as number[]).push(id);
  });
  return { classOf, classCount: alphabet.length + 1, children, own };
}
