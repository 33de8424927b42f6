import { buildPatternTrie } from "./pattern-trie.js";

/**
 * Aho–Corasick automaton over UTF-16 code units: finds every occurrence of every pattern in
 * one pass, whatever the number of patterns.
 *
 * Transitions are a dense DFA table for the most common characters (ASCII first) and, for the
 * rest (CJK, Thai, Cyrillic…), a per-state map walked along failure links. The dense part makes
 * the Latin hot path one array read per character; the sparse part keeps memory bounded when
 * policies carry thousands of distinct CJK characters.
 */
export class AhoCorasick {
  /** Number of patterns compiled in. */
  readonly size: number;
  /** Number of automaton states (trie nodes). */
  readonly stateCount: number;
  private readonly classOf: Uint16Array;
  private readonly denseWidth: number;
  private readonly dense: Int32Array;
  private readonly sparse: (Map<number, number> | undefined)[];
  private readonly fail: Int32Array;
  private readonly ownStart: Int32Array;
  private readonly ownEnd: Int32Array;
  private readonly ownPatterns: Int32Array;
  private readonly dictLink: Int32Array;
  /** The first state of a state's output chain (itself or its dictionary link); 0 = no output. */
  private readonly firstOut: Int32Array;
  private readonly lengths: Int32Array;

  /**
   * @param patterns - the patterns, as strings; empty strings are ignored. A pattern's index in
   * this array is the id reported on a match.
   * @param maxDenseClasses - characters beyond this many distinct ones go to the sparse maps.
   */
  constructor(patterns: readonly string[], maxDenseClasses = 96) {
    this.size = patterns.length;
    this.lengths = Int32Array.from(patterns, (p) => p.length);

    // Character classes (ASCII first, they fill the dense table) and the trie of the patterns.
    const { classOf, classCount, children, own } = buildPatternTrie(patterns);
    this.classOf = classOf;
    const width = Math.min(classCount, maxDenseClasses);
    this.denseWidth = width;
    const n = children.length;
    this.stateCount = n;

    // Failure links, breadth first; dense rows become full DFA rows.
    this.fail = new Int32Array(n);
    this.dense = new Int32Array(n * width);
    this.sparse = new Array(n);
    this.dictLink = new Int32Array(n).fill(-1);
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (const [k, child] of children[0] as Map<number, number>) {
      if (k < width) this.dense[k] = child;
      this.fail[child] = 0;
      queue[tail++] = child;
    }
    this.sparse[0] = sparseOf(children[0] as Map<number, number>, width);
    while (head < tail) {
      const s = queue[head++] as number;
      const f = this.fail[s] as number;
      const row = s * width;
      const frow = f * width;
      for (let k = 1; k < width; k++) this.dense[row + k] = this.dense[frow + k] as number;
      for (const [k, child] of children[s] as Map<number, number>) {
        if (k < width) this.dense[row + k] = child;
        this.fail[child] = k < width ? (this.dense[frow + k] as number) : this.sparseStep(f, k);
        queue[tail++] = child;
      }
      this.sparse[s] = sparseOf(children[s] as Map<number, number>, width);
      this.dictLink[s] = (own[f] as number[]).length > 0 ? f : (this.dictLink[f] as number);
    }

    this.ownStart = new Int32Array(n);
    this.ownEnd = new Int32Array(n);
    const flat: number[] = [];
    for (let s = 0; s < n; s++) {
      this.ownStart[s] = flat.length;
      for (const id of own[s] as number[]) flat.push(id);
      this.ownEnd[s] = flat.length;
    }
    this.ownPatterns = Int32Array.from(flat);
    this.firstOut = new Int32Array(n);
    for (let s = 1; s < n; s++) {
      const t = (this.ownStart[s] as number) < (this.ownEnd[s] as number) ? s : (this.dictLink[s] as number);
      this.firstOut[s] = t > 0 ? t : 0;
    }
  }

  private sparseStep(from: number, k: number): number {
    let s = from;
    for (;;) {
      const next = this.sparse[s]?.get(k);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = this.fail[s] as number;
    }
  }

  /** Length of pattern `id`, in code units. */
  patternLength(id: number): number {
    return this.lengths[id] as number;
  }

  /**
   * Scans `codes[0..length)` and writes every occurrence into `out` as pairs
   * (patternId, end exclusive), in order of end position, from pair index `from`. Returns the
   * new number of pairs, which may exceed what fitted: the caller grows `out` and scans again.
   */
  scan(codes: Uint16Array, length: number, out: Int32Array, from = 0): number {
    const classOf = this.classOf;
    const dense = this.dense;
    const width = this.denseWidth;
    const ownStart = this.ownStart;
    const ownEnd = this.ownEnd;
    const ownPatterns = this.ownPatterns;
    const dictLink = this.dictLink;
    const firstOut = this.firstOut;
    const cap = out.length >> 1;
    let count = from;
    let s = 0;
    for (let i = 0; i < length; i++) {
      const k = classOf[codes[i] as number] as number;
      if (k === 0) {
        s = 0;
        continue;
      }
      s = k < width ? (dense[s * width + k] as number) : this.sparseStep(s, k);
      let t = firstOut[s] as number;
      while (t > 0) {
        for (let p = ownStart[t] as number, e = ownEnd[t] as number; p < e; p++) {
          if (count < cap) {
            out[count * 2] = ownPatterns[p] as number;
            out[count * 2 + 1] = i + 1;
          }
          count++;
        }
        t = dictLink[t] as number;
      }
    }
    return count;
  }
}

function sparseOf(children: Map<number, number>, width: number): Map<number, number> | undefined {
  let m: Map<number, number> | undefined;
  for (const [k, child] of children) {
    if (k >= width) (m ??= new Map()).set(k, child);
  }
  return m;
}
