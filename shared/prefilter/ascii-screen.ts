import type { AnchoredTrie } from "./anchored-trie.js";
import { CharClass, charClassTable } from "./char-class.js";
import { ASCII_FOLD, LEET, asciiAt as readUnit, asciiJoinRunEnd as readJoinRunEnd } from "./normalise.js";

// Module-local copies of what the hot loop uses: run under tsx, each imported name is a getter
// on the other module, called again at every use.
const asciiAt = readUnit;
const asciiJoinRunEnd = readJoinRunEnd;

/** What a folded unit is to the normaliser and to word boundaries (bits 7–8 of a unit's info). */
const OTHER = 0;
const LETTER = 1;
const DIGIT = 2;
const SPACE_KIND = 3;
const SPACE = 0x20;

const CLS = charClassTable();

function kindOf(code: number): number {
  if (code === SPACE) return SPACE_KIND;
  const k = CLS[code] as number;
  return k === CharClass.Letter ? LETTER : k === CharClass.WordPart ? DIGIT : OTHER;
}

/** Per byte: 1 for a letter or digit (a digit stays a word character whether leet folds it or not). */
const WORD_BYTE = new Uint8Array(256);
/** Per byte: 1 for a leet symbol (`@`, `$`, `!`): a word character only where leet folds it. */
const LEET_SYMBOL = new Uint8Array(256);
/** Per byte: 1 for a join separator (`.`, `-`, `_`, space, `*`, controls): a letter-by-letter spelling may follow. */
const JOIN_BYTE = new Uint8Array(256);
for (let b = 0; b < 128; b++) {
  const f = ASCII_FOLD[b] as number;
  const kind = kindOf(f);
  WORD_BYTE[b] = kind === LETTER || kind === DIGIT ? 1 : 0;
  LEET_SYMBOL[b] = LEET[f] !== 0 && kind === OTHER ? 1 : 0;
  JOIN_BYTE[b] = kind === SPACE_KIND || ".-_*".includes(String.fromCharCode(f)) ? 1 : 0;
}

/**
 * Tells, for an ASCII post, whether the word-start trie can find a hit in its normalised form,
 * without building that form: one pass over the post's bytes folds each character on the fly
 * (case, leet, repeated letters, runs of spaces: the normaliser's rules) and walks the trie
 * from each word start, as {@link AnchoredTrie.scan} would over the normalised text.
 *
 * "No" is exact: the post has no hit for any active policy, so its decisions are the ones
 * known in advance. "Maybe" sends the post through normalise + match, which settles it and
 * finds the offsets: on a hit (a keyword, or a signal and a target of one policy), and on a
 * letter-by-letter spelling ("s.o.f.t"), whose joined form this pass does not build.
 * Only valid when every pattern an ASCII text could contain is in the trie.
 */
export class AsciiScreen {
  /**
   * Per byte, what the loop needs of its folded unit in one read: the unit (bits 0–6), its kind
   * (bits 7–8) and its trie class (bits 9+); -1 for a leet character, whose unit depends on
   * its neighbours: then {@link unitInfo} of {@link asciiAt}.
   */
  private readonly byteInfo = new Int32Array(256);
  /** The same per folded unit. */
  private readonly unitInfo = new Int32Array(128);
  private readonly width: number;
  private readonly nodes: Int32Array;
  private readonly dense: Int32Array;
  private readonly ownPatterns: Int32Array;
  /** Per policy, while a call runs: bit 1 a signal was seen, bit 2 a target. */
  private readonly pairs: Uint8Array;
  private pairsDirty = false;

  /**
   * @param trie - the word-start trie of the patterns.
   * @param endBounded - per pattern: 1 when the character after it must not be a word character.
   * @param policyOf - per pattern: its policy's index.
   * @param pairBit - per pattern: 0 for a keyword (a hit on its own), 1 for a signal, 2 for a
   * target (a hit only when its policy has both).
   */
  constructor(
    private readonly trie: AnchoredTrie,
    private readonly endBounded: Uint8Array,
    private readonly policyOf: Int32Array,
    private readonly pairBit: Uint8Array,
    policyCount: number,
  ) {
    const { classOf, width, nodes, dense, ownPatterns } = trie.walkTables;
    this.width = width;
    this.nodes = nodes;
    this.dense = dense;
    this.ownPatterns = ownPatterns;
    this.pairs = new Uint8Array(policyCount);
    for (let c = 0; c < 128; c++) this.unitInfo[c] = c | (kindOf(c) << 7) | ((classOf[c] as number) << 9);
    for (let b = 0; b < 128; b++) {
      const f = ASCII_FOLD[b] as number;
      this.byteInfo[b] = LEET[f] !== 0 ? -1 : (this.unitInfo[f] as number);
    }
  }

  /**
   * False when the normalised form of the ASCII text `t[0..n)` has no hit for the policies set
   * in `active` (all when undefined); true when it may have one.
   */
  mayHit(t: Uint8Array, n: number, active: Uint8Array | undefined): boolean {
    if (this.pairsDirty) {
      this.pairs.fill(0);
      this.pairsDirty = false;
    }
    const byteInfo = this.byteInfo;
    const unitInfo = this.unitInfo;
    const width = this.width;
    const nodes = this.nodes;
    const dense = this.dense;
    for (let i = 0; i < n; ) {
      let x = byteInfo[t[i] as number] as number;
      if (x < 0) x = unitInfo[asciiAt(t, i, n)] as number;
      let kind = (x >> 7) & 3;
      if (kind !== LETTER && kind !== DIGIT) {
        i++;
        continue;
      }
      // `i` starts a word (the unit before it, if any, is not a word character): walk the trie
      // over the units that follow, folded and collapsed as the normaliser would.
      if (kind === LETTER && i + 1 < n && JOIN_BYTE[t[i + 1] as number] === 1 && asciiJoinRunEnd(t, i, n) >= 0) return true;
      let k = x >> 9;
      let s = k === 0 ? 0 : k < width ? (dense[k] as number) : this.trie.sparseChild(0, k);
      let last = x & 127;
      let prevWord = true;
      /** Where the walk first read a unit that is not a letter or digit (-1: not yet). */
      let wordEnd = -1;
      let q = i + 1;
      while (s !== 0) {
        const s4 = s << 2;
        const p0 = nodes[s4 + 3] as number;
        const p1 = nodes[s4 + 7] as number;
        if (p0 < p1 && this.hits(p0, p1, t, q, n, last, active)) return true;
        // The next unit: repeated letters and runs of spaces collapse.
        for (;; q++) {
          if (q >= n) {
            x = -1;
            break;
          }
          x = byteInfo[t[q] as number] as number;
          if (x < 0) x = unitInfo[asciiAt(t, q, n)] as number;
          kind = (x >> 7) & 3;
          if (kind === LETTER) {
            // A letter-by-letter spelling starting here needs no check: it starts a word, and the
            // outer loop answers "maybe" when it gets there.
            prevWord = true;
            if ((x & 127) !== last) break;
          } else if (kind === SPACE_KIND) {
            prevWord = false;
            if (last !== SPACE) break;
          } else {
            prevWord = kind === DIGIT;
            break;
          }
        }
        if (x < 0) break;
        if (!prevWord && wordEnd < 0) wordEnd = q;
        q++;
        last = x & 127;
        k = x >> 9;
        const row = nodes[s4] as number;
        if (row < 0) s = k !== 0 && k === nodes[s4 + 1] ? (nodes[s4 + 2] as number) : 0;
        else s = k === 0 ? 0 : k < width ? (dense[row + k] as number) : this.trie.sparseChild(s, k);
      }
      // The rest of the word starts nothing: skip it, from where the walk left it (what the walk
      // read before that is letters and digits).
      i = wordEnd < 0 ? q : wordEnd;
      for (;;) {
        while (i < n && WORD_BYTE[t[i] as number] === 1) i++;
        if (i < n && LEET_SYMBOL[t[i] as number] === 1 && isWordUnit(asciiAt(t, i, n))) {
          i++;
          continue;
        }
        break;
      }
    }
    return false;
  }

  /**
   * Whether the patterns `ownPatterns[p0..p1)`, ending just before `t[q]` (last unit `last`),
   * make a hit: an active policy's keyword that ends where it must, or the second half of a
   * signal-and-target pair.
   */
  private hits(p0: number, p1: number, t: Uint8Array, q: number, n: number, last: number, active: Uint8Array | undefined): boolean {
    let nextWord = -1;
    for (let p = p0; p < p1; p++) {
      const id = this.ownPatterns[p] as number;
      const policy = this.policyOf[id] as number;
      if (active !== undefined && active[policy] === 0) continue;
      if (this.endBounded[id] === 1) {
        if (nextWord < 0) nextWord = wordFollows(t, q, n, last) ? 1 : 0;
        if (nextWord === 1) continue;
      }
      const bit = this.pairBit[id] as number;
      if (bit === 0) return true;
      const pairs = this.pairs;
      pairs[policy] = (pairs[policy] as number) | bit;
      this.pairsDirty = true;
      if (pairs[policy] === 3) return true;
    }
    return false;
  }
}

function isWordUnit(code: number): boolean {
  const kind = kindOf(code);
  return kind === LETTER || kind === DIGIT;
}

/** Whether the normalised unit after `last` (the unit read before `t[q]`) is a letter or digit. */
function wordFollows(t: Uint8Array, q: number, n: number, last: number): boolean {
  for (let r = q; r < n; r++) {
    const f = asciiAt(t, r, n);
    const kind = kindOf(f);
    if (kind === LETTER && f === last) continue; // collapsed into `last`
    return kind === LETTER || kind === DIGIT;
  }
  return false;
}
