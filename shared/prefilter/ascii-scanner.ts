import { CharClass, charClassTable } from "./char-class.js";
import * as normaliser from "./normalise.js";

// Module-local copies of what the hot loop uses: when this module is compiled to CommonJS (tsx
// does that for a CommonJS importer), every imported name is a getter, read at each use.
const { ASCII_FOLD, LEET, asciiAt, asciiJoinRunEnd } = normaliser;

const CLS = charClassTable();
const SPACE = 0x20;
/** Separators that may split a letter-by-letter spelling ("s.o.f.t"), as the normaliser has them. */
const JOIN_SEPARATORS = " .-_*";

/** Bound on the build's transition table (states × symbols, 4 bytes each): 64 MB while building. */
const MAX_TABLE_CELLS = 16 * 1024 * 1024;

class TooLarge extends Error {}

/** {@link AsciiScanner.scan}: the post has no hit. */
export const NO_HIT = -2;
/** {@link AsciiScanner.scan}: the post needs the normaliser (a letter-by-letter spelling). */
export const NEEDS_NORMALISER = -1;

/** Per byte: 1 for `!`, `@`, `$`, which leet folds only before a letter. */
const LEET_SYMBOL = new Uint8Array(256);
/** Per byte: 1 when it folds to neither a letter nor a leet character. */
const NEITHER_LETTER_NOR_LEET = new Uint8Array(256);
for (let b = 0; b < 128; b++) {
  const f = ASCII_FOLD[b] as number;
  LEET_SYMBOL[b] = LEET[f] !== 0 && CLS[f] === CharClass.Other ? 1 : 0;
  NEITHER_LETTER_NOR_LEET[b] = LEET[f] === 0 && CLS[f] !== CharClass.Letter ? 1 : 0;
}

function isWordUnit(code: number): boolean {
  const k = CLS[code] as number;
  return k === CharClass.Letter || k === CharClass.WordPart;
}

function isLetterUnit(code: number): boolean {
  return CLS[code] === CharClass.Letter;
}

/**
 * Settles an ASCII post in one pass over its bytes, without normalising it: a DFA (Aho–Corasick
 * over the patterns, every transition precomputed) whose transitions fold each byte as the
 * normaliser would (case, repeated letters, runs of spaces) and carry word boundaries.
 *
 * The normalised text is read as a stream with two markers: `$` before and `^` after every
 * character that is not a letter or digit, and `^` at the start, `$` at the end. A term that
 * must start a word begins with `^`, one that must end a word ends with `$`, so "starts where
 * a word starts" and "ends where a word ends" are plain substring matches. Each byte's
 * transition does `$ c ^` at once. Repeated letters and spaces collapse: a repeat is a
 * self-transition of the states that end with the character read last (a letter; a space and
 * `^`). The states that do not hold it are left unchanged by a repeat anyway: the root after
 * a letter means no pattern starts with that letter; `^` alone after a space goes back to `^`
 * on `$ ␣ ^`, since normalised patterns neither start with a space nor hold `^` before `$`.
 * Per byte the loop does one table read; only three things
 * leave it: a leet character (its fold depends on its neighbours), a possible
 * letter-by-letter spelling (a one-letter word followed by a join separator) and a state where
 * a pattern ends.
 *
 * "No hit" is exact: the post has no hit for any active policy, so its decisions are the
 * ones known in advance. On a hit (a keyword, or a signal and a target of one policy) the pass
 * goes on collecting every occurrence, which {@link occurrenceStart} and
 * {@link occurrenceEnd} place in the original text as the normaliser's offset map would. A
 * letter-by-letter spelling, whose joined form this pass does not build, sends the post
 * through normalise + match.
 */
export class AsciiScanner {
  /** Number of DFA states. */
  readonly stateCount: number;
  /** Columns of {@link next}: one per unit class, then one for leet bytes. */
  private readonly width: number;
  /** Per byte: its column (leet bytes: the last one). */
  private readonly column = new Int32Array(256);
  /**
   * Per state × column: the next state's row offset (state × width), or its bitwise NOT when
   * the transition must leave the loop: a pattern ends on the way, or a join check is due.
   * The leet column holds the NOT of `stateCount × width`.
   */
  private readonly next: Int32Array;
  private readonly start: number;
  /** Per state: the row offset after `$`. */
  private readonly afterDollar: Int32Array;
  /** Per state × non-word class: the row offset after that character alone (no markers). */
  private readonly afterOther: Int32Array;
  /** Per unit class: its index among the non-word classes, or -1 for a word class. */
  private readonly otherIndex: Int32Array;
  private readonly otherCount: number;
  /** Per unit class: 1 for a join separator. */
  private readonly joinClass: Uint8Array;
  /** Per state: the patterns that end there, directly: `own[ownStart[s] .. ownStart[s + 1])`. */
  private readonly ownStart: Int32Array;
  private readonly own: Int32Array;
  /** Per state: the next state down its failure chain with patterns of its own (0: none). */
  private readonly outLink: Int32Array;
  /** Per policy, while {@link scan} checks: bit 1 a signal was seen, bit 2 a target. */
  private readonly pairs: Uint8Array;
  private pairsDirty = false;

  /**
   * The scanner of these patterns, or undefined when its tables would exceed
   * {@link MAX_TABLE_CELLS} (posts then all take normalise + match). Parameters as for the
   * constructor.
   */
  static build(
    patterns: readonly string[],
    startBounded: Uint8Array,
    endBounded: Uint8Array,
    policyOf: Int32Array,
    pairBit: Uint8Array,
    policyCount: number,
  ): AsciiScanner | undefined {
    try {
      return new AsciiScanner(patterns, startBounded, endBounded, policyOf, pairBit, policyCount);
    } catch (error) {
      if (error instanceof TooLarge) return undefined;
      throw error;
    }
  }

  /**
   * @param patterns - the normalised patterns, by id; those with a non-ASCII character are left
   * out (an ASCII post normalises to ASCII: they never match it).
   * @param startBounded - per pattern: 1 when it must start a word.
   * @param endBounded - per pattern: 1 when it must end a word.
   * @param policyOf - per pattern: its policy's index.
   * @param pairBit - per pattern: 0 for a keyword (a hit on its own), 1 for a signal, 2 for a
   * target (a hit only when its policy has both).
   */
  constructor(
    patterns: readonly string[],
    startBounded: Uint8Array,
    endBounded: Uint8Array,
    private readonly policyOf: Int32Array,
    private readonly pairBit: Uint8Array,
    policyCount: number,
  ) {
    this.pairs = new Uint8Array(policyCount);

    // Unit classes: each letter, the space and the join separators, every character a pattern
    // holds; the other word characters share one class, the other non-word characters another.
    const unitClass = new Int32Array(128).fill(-1);
    const unitOf: number[] = [];
    const addUnit = (u: number): void => {
      if (unitClass[u] === -1) {
        unitClass[u] = unitOf.length;
        unitOf.push(u);
      }
    };
    for (let u = 0x61; u <= 0x7a; u++) addUnit(u);
    for (const c of JOIN_SEPARATORS) addUnit(c.charCodeAt(0));
    const ascii = patterns.map((p) => p.length > 0 && /^[\u0000-\u007f]*$/.test(p));
    patterns.forEach((p, id) => {
      if (ascii[id]) for (let i = 0; i < p.length; i++) addUnit(p.charCodeAt(i));
    });
    const otherWord = unitOf.length;
    const otherNonWord = otherWord + 1;
    const units = otherWord + 2;
    for (let u = 0; u < 128; u++) if (unitClass[u] === -1) unitClass[u] = isWordUnit(u) ? otherWord : otherNonWord;
    const word = (k: number): boolean => (k < otherWord ? isWordUnit(unitOf[k] as number) : k === otherWord);
    const letter = (k: number): boolean => k < otherWord && isLetterUnit(unitOf[k] as number);
    const spaceClass = unitClass[SPACE] as number;
    this.joinClass = Uint8Array.from({ length: units }, (_, k) =>
      k < otherWord && JOIN_SEPARATORS.includes(String.fromCharCode(unitOf[k] as number)) ? 1 : 0,
    );
    // Symbols of the automaton: the unit classes, then the two markers.
    const CARET = units;
    const DOLLAR = units + 1;
    const symbols = units + 2;

    // The patterns as symbol strings, and fillers (no pattern ends there): `^` and a letter,
    // so that a state knows when a one-letter word may have started.
    const strings: { symbols: number[]; id: number }[] = [];
    patterns.forEach((p, id) => {
      if (!ascii[id]) return;
      const s: number[] = startBounded[id] === 1 ? [CARET] : [];
      for (let i = 0; i < p.length; i++) {
        const k = unitClass[p.charCodeAt(i)] as number;
        if (word(k)) s.push(k);
        else s.push(DOLLAR, k, CARET);
      }
      if (endBounded[id] === 1) s.push(DOLLAR);
      strings.push({ symbols: s, id });
    });
    for (let k = 0; k < otherWord; k++) if (letter(k)) strings.push({ symbols: [CARET, k], id: -1 });

    // The trie, with a dense child table (0 = no child: the root is nobody's child).
    let capacity = 1;
    for (const s of strings) capacity += s.symbols.length;
    if (capacity * symbols > MAX_TABLE_CELLS) throw new TooLarge();
    const delta = new Int32Array(capacity * symbols);
    const lastSymbol = new Int32Array(capacity).fill(-1);
    const parent = new Int32Array(capacity);
    const ownLists: number[][] = [[]];
    let n = 1;
    for (const { symbols: s, id } of strings) {
      let u = 0;
      for (const k of s) {
        let c = delta[u * symbols + k] as number;
        if (c === 0) {
          c = n++;
          delta[u * symbols + k] = c;
          lastSymbol[c] = k;
          parent[c] = u;
          ownLists.push([]);
        }
        u = c;
      }
      if (id >= 0) (ownLists[u] as number[]).push(id);
    }
    this.stateCount = n;

    // Failure links breadth first; missing children become full DFA transitions.
    const fail = new Int32Array(n);
    const outLink = new Int32Array(n);
    const accepting = new Uint8Array(n);
    const queue = new Int32Array(n);
    let tail = 0;
    for (let k = 0; k < symbols; k++) {
      const c = delta[k] as number;
      if (c !== 0) queue[tail++] = c;
    }
    for (let head = 0; head < tail; head++) {
      const u = queue[head] as number;
      const f = fail[u] as number;
      outLink[u] = (ownLists[f] as number[]).length > 0 ? f : (outLink[f] as number);
      accepting[u] = (ownLists[u] as number[]).length > 0 || outLink[u] !== 0 ? 1 : 0;
      for (let k = 0; k < symbols; k++) {
        const c = delta[u * symbols + k] as number;
        const viaFail = delta[f * symbols + k] as number;
        if (c === 0) delta[u * symbols + k] = viaFail;
        else {
          fail[c] = viaFail;
          queue[tail++] = c;
        }
      }
    }
    // Renumber breadth first: the shallow states, where nearly every word's walk ends, share
    // cache lines and pages.
    const order = new Int32Array(n);
    const rank = new Int32Array(n);
    order.set(queue.subarray(0, n - 1), 1);
    for (let r = 0; r < n; r++) rank[order[r] as number] = r;

    this.outLink = new Int32Array(n);
    this.ownStart = new Int32Array(n + 1);
    const flat: number[] = [];
    for (let r = 0; r < n; r++) {
      const u = order[r] as number;
      this.outLink[r] = rank[outLink[u] as number] as number;
      this.ownStart[r] = flat.length;
      for (const id of ownLists[u] as number[]) flat.push(id);
    }
    this.ownStart[n] = flat.length;
    this.own = Int32Array.from(flat);
    this.joinState = new Uint8Array(n);
    for (let r = 1; r < n; r++) {
      const u = order[r] as number;
      const last = lastSymbol[u] as number;
      this.joinState[r] = lastSymbol[parent[u] as number] === CARET && last < units && letter(last) ? 1 : 0;
    }

    // The byte-level table: each column does what one byte does to the stream.
    const width = units + 1;
    this.width = width;
    for (let b = 0; b < 256; b++) {
      const f = b < 128 ? (ASCII_FOLD[b] as number) : 0;
      this.column[b] = b >= 128 || LEET[f] !== 0 ? units : (unitClass[f] as number);
    }
    this.unitClass = unitClass;
    this.otherIndex = new Int32Array(units).fill(-1);
    let others = 0;
    for (let k = 0; k < units; k++) if (!word(k)) this.otherIndex[k] = others++;
    this.otherCount = others;
    const next = new Int32Array(n * width);
    this.afterDollar = new Int32Array(n);
    this.afterOther = new Int32Array(n * others);
    const row = (u: number): number => (rank[u] as number) * width;
    for (let r = 0; r < n; r++) {
      const s = order[r] as number;
      const last = lastSymbol[s] as number;
      const beforeLast = s === 0 ? -1 : (lastSymbol[parent[s] as number] as number);
      this.afterDollar[r] = row(delta[s * symbols + DOLLAR] as number);
      for (let k = 0; k < units; k++) {
        const oi = this.otherIndex[k] as number;
        if (oi >= 0) this.afterOther[r * others + oi] = row(delta[s * symbols + k] as number);
        let t: number;
        let slow = false;
        if (letter(k) && last === k)
          t = s; // a repeated letter
        else if (k === spaceClass && last === CARET && beforeLast === spaceClass)
          t = s; // a run of spaces
        else if (word(k)) {
          t = delta[s * symbols + k] as number;
          slow = accepting[t] === 1;
        } else {
          const s1 = delta[s * symbols + DOLLAR] as number;
          const s2 = delta[s1 * symbols + k] as number;
          t = delta[s2 * symbols + CARET] as number;
          slow = accepting[s1] === 1 || accepting[s2] === 1 || accepting[t] === 1;
        }
        if (this.joinState[r] === 1 && this.joinClass[k] === 1) slow = true;
        next[r * width + k] = slow ? ~row(t) : row(t);
      }
      next[r * width + units] = ~(n * width);
    }
    this.next = next;
    this.start = row(delta[CARET] as number);
  }

  /** Per state: 1 when it ends with `^` and a letter (a one-letter word may have started). */
  private readonly joinState: Uint8Array;
  /** Per folded unit: its class. */
  private readonly unitClass: Int32Array;

  /**
   * Reads the ASCII text `t[0..n)` for the policies set in `active` (all when undefined).
   * Returns {@link NO_HIT} when its normalised form has no hit for them; {@link NEEDS_NORMALISER}
   * when a letter-by-letter spelling ("s.o.f.t") needs the normaliser's joined form; else the
   * number of occurrences in {@link occurrences}, every occurrence of every pattern, which
   * include a hit. The pass checks until the first hit, then collects: from there it records
   * everything, and before it the only occurrences a hit needs are the active policies'
   * signals and targets, which checking records.
   */
  scan(t: Uint8Array, n: number, active: Uint8Array | undefined): number {
    if (this.pairsDirty) {
      this.pairs.fill(0);
      this.pairsDirty = false;
    }
    this.collecting = false;
    this.found = 0;
    const next = this.next;
    const column = this.column;
    let s = this.start;
    let i = 0;
    for (;;) {
      // No call in this loop: the engine keeps the arrays' bases and lengths in registers.
      let v = 0;
      while (i < n && (v = next[s + (column[t[i] as number] as number)] as number) >= 0) {
        s = v;
        i++;
      }
      if (i >= n) break;
      s = this.slowStep(t, i, n, s, v, active);
      if (s < 0) return NEEDS_NORMALISER;
      i++;
    }
    // The end of the text ends a word.
    this.transition(this.afterDollar[this.stateOf(s)] as number, -1, -1, t, n, n, active);
    return this.collecting ? this.found : NO_HIT;
  }

  /** What {@link scan} found: (patternId, index of the byte its last unit came from) pairs. */
  get occurrences(): Int32Array {
    return this.out;
  }

  /** Past the first hit: every occurrence is recorded. */
  private collecting = false;
  private found = 0;
  private out = new Int32Array(256);

  private stateOf(row: number): number {
    return (row / this.width) | 0;
  }

  /**
   * The transition the table could not take alone: a leet byte, a possible letter-by-letter
   * spelling, a pattern ending. Returns the next row offset, or -1 for a letter-by-letter
   * spelling.
   */
  private slowStep(t: Uint8Array, i: number, n: number, s: number, v: number, active: Uint8Array | undefined): number {
    const width = this.width;
    let k = this.column[t[i] as number] as number;
    if (~v === this.stateCount * width) {
      // A leet character: fold it, then take its class's transition. A symbol (`!` `@` `$`)
      // before a character that is neither a letter nor leet stays itself (the common "wow! ").
      const b = t[i] as number;
      const u = LEET_SYMBOL[b] === 1 && (i + 1 === n || NEITHER_LETTER_NOR_LEET[t[i + 1] as number] === 1) ? b : asciiAt(t, i, n);
      k = this.unitClass[u] as number;
      v = this.next[s + k] as number;
      if (v >= 0) return v;
    }
    const state = this.stateOf(s);
    const target = ~v;
    if (this.joinClass[k] === 1 && this.joinState[state] === 1) {
      // The letter before starts a word: does a letter-by-letter spelling start there?
      const p = i - 1;
      if (isLetterUnit(asciiAt(t, p, n)) && (p === 0 || !isWordUnit(asciiAt(t, p - 1, n))) && asciiJoinRunEnd(t, p, n) >= 0) return -1;
    }
    const oi = this.otherIndex[k] as number;
    if (oi < 0 || target === s) this.transition(-1, -1, target, t, i, n, active);
    else {
      // A non-word character: `$`, the character, `^`; a pattern may end after any of the three.
      const s1 = this.afterDollar[state] as number;
      const s2 = this.afterOther[this.stateOf(s1) * this.otherCount + oi] as number;
      this.transition(s1, s2, target, t, i, n, active);
    }
    return target;
  }

  /**
   * Takes note of the patterns ending along one transition on byte `i`: at `afterDollar` (their
   * last unit is then the one before byte `i`), `afterChar` and `end` (row offsets, -1: none).
   * On the first hit, the transition is read again collecting.
   */
  private transition(afterDollar: number, afterChar: number, end: number, t: Uint8Array, i: number, n: number, active: Uint8Array | undefined): void {
    const mark = this.found;
    const hit =
      (afterDollar >= 0 && this.reached(afterDollar, t, i, n, true, active)) ||
      (afterChar >= 0 && this.reached(afterChar, t, i, n, false, active)) ||
      (end >= 0 && this.reached(end, t, i, n, false, active));
    if (!hit) return;
    this.found = mark;
    this.collecting = true;
    if (afterDollar >= 0) this.reached(afterDollar, t, i, n, true, active);
    if (afterChar >= 0) this.reached(afterChar, t, i, n, false, active);
    if (end >= 0) this.reached(end, t, i, n, false, active);
  }

  /**
   * The patterns ending at the state at row offset `row`, reached on byte `i` (after its `$`
   * when `dollar`: their last unit is then the one before byte `i`). Checking: records the
   * active policies' signals and targets, and tells whether they make a hit. Collecting:
   * records them all, false.
   */
  private reached(row: number, t: Uint8Array, i: number, n: number, dollar: boolean, active: Uint8Array | undefined): boolean {
    let last = -1;
    for (let u = this.stateOf(row); u !== 0; u = this.outLink[u] as number) {
      for (let p = this.ownStart[u] as number, e = this.ownStart[u + 1] as number; p < e; p++) {
        const id = this.own[p] as number;
        if (!this.collecting) {
          const policy = this.policyOf[id] as number;
          if (active !== undefined && active[policy] === 0) continue;
          const bit = this.pairBit[id] as number;
          if (bit === 0) return true;
          const pairs = this.pairs;
          pairs[policy] = (pairs[policy] as number) | bit;
          this.pairsDirty = true;
          if (pairs[policy] === 3) return true;
        }
        if (last < 0) last = dollar ? unitBefore(t, i, n) : i;
        this.record(id, last);
      }
    }
    return false;
  }

  private record(id: number, last: number): void {
    if (2 * this.found + 2 > this.out.length) {
      const bigger = new Int32Array(this.out.length * 2);
      bigger.set(this.out);
      this.out = bigger;
    }
    this.out[2 * this.found] = id;
    this.out[2 * this.found + 1] = last;
    this.found++;
  }
}

/**
 * Whether byte `p` (not the first) of an ASCII text adds no unit to its normalised form: a
 * letter or space repeating the unit before it. Not valid inside a letter-by-letter spelling,
 * which the scanner leaves to the normaliser.
 */
function collapsedAt(t: Uint8Array, p: number, n: number): boolean {
  const u = asciiAt(t, p, n);
  return (u === SPACE || isLetterUnit(u)) && asciiAt(t, p - 1, n) === u;
}

/** The byte that gave the last unit before byte `i` (`i` may be `n`). */
function unitBefore(t: Uint8Array, i: number, n: number): number {
  let p = i - 1;
  while (p > 0 && collapsedAt(t, p, n)) p--;
  return p;
}

/**
 * The original start of a pattern occurrence of `length` units whose last unit came from byte
 * `last`: the byte of its first unit, as the normaliser's offsets give it.
 */
export function occurrenceStart(t: Uint8Array, n: number, last: number, length: number): number {
  let p = last;
  for (let k = 1; k < length; k++) p = unitBefore(t, p, n);
  return p;
}

/**
 * The original end (exclusive) of an occurrence whose last unit came from byte `last`, as
 * {@link originalEnd} gives it: where the next unit comes from (or the end), less trailing
 * characters that are neither letters nor digits, so repeats are covered and separators not.
 */
export function occurrenceEnd(t: Uint8Array, n: number, last: number): number {
  let e = last + 1;
  while (e < n && collapsedAt(t, e, n)) e++;
  while (e > last + 1 && CLS[t[e - 1] as number] === CharClass.Other) e--;
  return e;
}
