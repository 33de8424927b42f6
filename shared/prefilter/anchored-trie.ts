import { buildPatternTrie } from "./pattern-trie.js";

/**
 * A trie of whole-word-start patterns, walked only from the positions where a word may start.
 *
 * Most policy terms must start at a word boundary (`kill`, `kill*`), so an occurrence can only
 * begin where a word begins. Walking the trie from word starts and abandoning the walk as soon
 * as the path dies skips the rest of every word that starts no term: on ordinary text a word is
 * left after two or three table reads, and the rows touched are the trie's shallow ones, which
 * stay in cache. (An Aho–Corasick automaton must follow every character through failure links
 * into deep, scattered rows.) A walk never goes deeper than the longest pattern, so the cost is
 * bounded by `text length × maxPatternLength`; the matcher keeps long patterns out of here.
 */
export class AnchoredTrie {
  /** Number of trie nodes. */
  readonly stateCount: number;
  private readonly classOf: Uint16Array;
  private readonly width: number;
  /**
   * Four numbers per node, so one cache line serves a step: its row offset in `dense` (-1 for a
   * node with at most one child), the class and node of that only child (class 0: a leaf), and
   * where its patterns start in `ownPatterns` (they end where the next node's start).
   */
  private readonly nodes: Int32Array;
  /** Child of (row, class) for the dense classes; 0 = no child (the root is nobody's child). */
  private readonly dense: Int32Array;
  private readonly sparse: (Map<number, number> | undefined)[];
  private readonly ownPatterns: Int32Array;

  /**
   * @param patterns - the patterns; empty strings are ignored. A pattern's index in this array
   * is the id reported on a match.
   * @param maxDenseClasses - characters beyond this many distinct ones go to per-node maps.
   */
  constructor(patterns: readonly string[], maxDenseClasses = 96) {
    const { classOf, classCount, children, own } = buildPatternTrie(patterns);
    this.classOf = classOf;
    const width = Math.min(classCount, maxDenseClasses);
    this.width = width;

    // Renumber breadth first: the shallow nodes, where nearly every walk ends, share cache lines.
    const n = children.length;
    this.stateCount = n;
    const order = new Int32Array(n);
    const rank = new Int32Array(n);
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const s = order[head] as number;
      rank[s] = head;
      for (const child of (children[s] as Map<number, number>).values()) order[tail++] = child;
    }
    // Deep nodes mostly have one child: they get no row, which keeps the table small and hot.
    const nodes = new Int32Array(4 * (n + 1));
    let rows = 0;
    for (let r = 0; r < n; r++) {
      const kids = children[order[r] as number] as Map<number, number>;
      nodes[4 * r] = r === 0 || kids.size > 1 ? width * rows++ : -1;
    }
    this.dense = new Int32Array(rows * width);
    this.sparse = new Array(n);
    const flat: number[] = [];
    for (let r = 0; r < n; r++) {
      const s = order[r] as number;
      const row = nodes[4 * r] as number;
      let m: Map<number, number> | undefined;
      for (const [k, child] of children[s] as Map<number, number>) {
        if (row < 0) {
          nodes[4 * r + 1] = k;
          nodes[4 * r + 2] = rank[child] as number;
        } else if (k < width) this.dense[row + k] = rank[child] as number;
        else (m ??= new Map()).set(k, rank[child] as number);
      }
      this.sparse[r] = m;
      nodes[4 * r + 3] = flat.length;
      for (const id of own[s] as number[]) flat.push(id);
    }
    nodes[4 * n + 3] = flat.length;
    this.nodes = nodes;
    this.ownPatterns = Int32Array.from(flat);
  }

  /**
   * Walks the trie from every position of `codes[0..length)` where a word may start (the
   * start, after a character that `wordCode` marks 0, or where `soft` is 1) and writes every
   * pattern found into `out` as pairs (patternId, end exclusive), from pair index `from`.
   * Returns the new number of pairs, which may exceed what fitted: the caller grows `out` and
   * scans again.
   */
  scan(codes: Uint16Array, length: number, soft: Uint8Array, wordCode: Uint8Array, out: Int32Array, from = 0): number {
    const classOf = this.classOf;
    const dense = this.dense;
    const width = this.width;
    const nodes = this.nodes;
    const ownPatterns = this.ownPatterns;
    const cap = out.length >> 1;
    let count = from;
    // `i` is always a position where a word may start: the walk begins at once, then the rest
    // of the word is skipped in a tight loop of its own.
    for (let i = 0; i < length;) {
      const c = codes[i] as number;
      let k = classOf[c] as number;
      let s = k === 0 ? 0 : k < width ? (dense[k] as number) : this.sparseChild(0, k);
      for (let j = i + 1; s !== 0; j++) {
        const q = s << 2;
        const p1 = nodes[q + 7] as number;
        for (let p = nodes[q + 3] as number; p < p1; p++) {
          if (count < cap) {
            out[count * 2] = ownPatterns[p] as number;
            out[count * 2 + 1] = j;
          }
          count++;
        }
        if (j >= length) break;
        k = classOf[codes[j] as number] as number;
        const row = nodes[q] as number;
        if (row < 0) s = k !== 0 && k === nodes[q + 1] ? (nodes[q + 2] as number) : 0;
        else s = k === 0 ? 0 : k < width ? (dense[row + k] as number) : this.sparseChild(s, k);
      }
      // The next word start: after a character that `wordCode` marks 0, or where `soft` is 1.
      let prev = c;
      i++;
      while (i < length && wordCode[prev] === 1 && soft[i] === 0) prev = codes[i++] as number;
    }
    return count;
  }

  private sparseChild(s: number, k: number): number {
    return this.sparse[s]?.get(k) ?? 0;
  }
}
