import { CharClass, charClassTable } from "./char-class.js";
import * as foldTable from "./fold-table.js";

// Module-local copies of what the loops below use: when these modules are compiled to CommonJS
// (tsx does that when a CommonJS module imports them), every imported name becomes a getter on
// the other module, called again at each use. As native ES modules it makes no difference.
const { FOLD_BMP, FOLD_DROP, FOLD_SURROGATE, computeFold, foldAstral, foldExpansion } = foldTable;
const OTHER = CharClass.Other;
const LETTER = CharClass.Letter;
const WORD_PART = CharClass.WordPart;
const CONTINUOUS = CharClass.Continuous;

/** A normalised text and the way back to the original. */
export interface NormalisedText {
  /** The matching form: folded, lower-case, de-obfuscated. */
  text: string;
  /** `offsets[i]` is the index in the original text where normalised unit `i` came from. */
  offsets: Int32Array;
  /** `ends[i]` is the end (exclusive) in the original text of what normalised unit `i` covers. */
  ends: Int32Array;
}

/**
 * Scratch buffers, reused between calls: the prefilter normalises every post, and allocating
 * five typed arrays per post would dominate its cost.
 */
export interface NormaliseBuffers {
  codes: Uint16Array;
  /** Index in the original text of the character each unit came from. */
  starts: Int32Array;
  /** 1 where a word boundary may be assumed because separators were removed (`s.o.f.t`). */
  soft: Uint8Array;
  length: number;
}

/** Leet digits and symbols, folded to the letter they stand for when they sit in a word. */
export const LEET = new Uint16Array(128);
for (const [from, to] of [
  ["0", "o"],
  ["1", "i"],
  ["3", "e"],
  ["4", "a"],
  ["5", "s"],
  ["7", "t"],
  ["@", "a"],
  ["$", "s"],
  ["!", "i"],
] as const) {
  LEET[from.charCodeAt(0)] = to.charCodeAt(0);
}
/** Separators that obfuscators put between the letters of one word. */
const JOIN_SEPARATOR = new Uint8Array(128);
for (const c of ".-_ *") JOIN_SEPARATOR[c.charCodeAt(0)] = 1;

const SPACE = 0x20;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

let folded: NormaliseBuffers = allocate(1024);
/** The last fold mapped unit `i` to unit `i` for every `i` (plain text): `folded.starts` was not written. */
let foldedInPlace = true;
let output: NormaliseBuffers = allocate(1024);

function allocate(capacity: number): NormaliseBuffers {
  return {
    codes: new Uint16Array(capacity),
    starts: new Int32Array(capacity),
    soft: new Uint8Array(capacity + 1),
    length: 0,
  };
}

function ensure(buf: NormaliseBuffers, capacity: number): NormaliseBuffers {
  return buf.codes.length >= capacity ? buf : allocate(Math.max(capacity, buf.codes.length * 2));
}

const CLS = charClassTable();

function isWordCode(c: number): boolean {
  const k = CLS[c];
  return k === LETTER || k === WORD_PART || k === CONTINUOUS;
}

/** A letter standing alone as a token: "h" in "h a t e". */
function singleLetterAt(codes: Uint16Array, i: number, m: number): boolean {
  return CLS[codes[i] as number] === LETTER && (i + 1 >= m || !isWordCode(codes[i + 1] as number));
}

function isJoinSeparator(c: number): boolean {
  return c < 128 && JOIN_SEPARATOR[c] === 1;
}

/** Pass 1: per-character fold (NFKC, case, diacritics, invisibles, confusables). */
function fold(text: string): number {
  const n = text.length;
  // A code unit folds to at most a few units (NFKC expansions); grown below if not.
  folded = ensure(folded, n + 16);
  let a = folded;
  let codes = a.codes;
  let m = 0;
  let inPlace = true;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    let v = FOLD_BMP[code] as number;
    if (v === 0) v = computeFold(code);
    if (v < FOLD_SURROGATE) {
      codes[m] = v;
      // While every unit maps to itself, its start is its index: written only once that ends.
      if (!inPlace) a.starts[m] = i;
      m++;
      continue;
    }
    if (inPlace) {
      for (let k = 0; k < m; k++) a.starts[k] = k;
      inPlace = false;
    }
    if (v === FOLD_DROP) continue;
    let expansion: string;
    let width = 1;
    if (v === FOLD_SURROGATE) {
      if (code <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        width = 2;
        expansion = foldAstral(((code - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000);
      } else expansion = "\ufffd"; // lone surrogate: a visible non-word character, never a throw
    } else expansion = foldExpansion(code);
    if (m + expansion.length >= codes.length) {
      const bigger = allocate((m + expansion.length) * 2 + 16);
      bigger.codes.set(codes.subarray(0, m));
      bigger.starts.set(a.starts.subarray(0, m));
      a = folded = bigger;
      codes = a.codes;
    }
    for (let k = 0; k < expansion.length; k++) {
      codes[m] = expansion.charCodeAt(k);
      a.starts[m] = i;
      m++;
    }
    i += width - 1;
  }
  foldedInPlace = inPlace;
  return m;
}

/**
 * Pass 2: leet. A run of leet characters is folded only where it touches a letter, so "h4te"
 * and "sh!t" fold but "2024", "$5" and "wow!" do not.
 */
function foldLeet(codes: Uint16Array, m: number): void {
  for (let i = 0; i < m;) {
    const c = codes[i] as number;
    if (c >= 128 || LEET[c] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < m && (codes[j] as number) < 128 && LEET[codes[j] as number] !== 0) j++;
    const prevLetter = i > 0 && CLS[codes[i - 1] as number] === LETTER;
    const nextLetter = j < m && CLS[codes[j] as number] === LETTER;
    if (prevLetter || nextLetter) {
      for (let k = i; k < j; k++) {
        const ck = codes[k] as number;
        if (nextLetter || isDigit(ck)) codes[k] = LEET[ck] as number;
      }
    }
    i = j;
  }
}

/** The fold of each ASCII code unit: ASCII folds one to one into ASCII (checked at load). */
export const ASCII_FOLD = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const v = FOLD_BMP[c] as number;
  if (v >= 128) throw new Error(`ASCII ${c} folds outside ASCII`);
  ASCII_FOLD[c] = v;
}

const encoder = new TextEncoder();
/** The post as UTF-8, reused between calls: for an ASCII post, its code units as bytes. */
let utf8 = new Uint8Array(4096);

/**
 * Writes `text` into {@link utf8} and tells whether it is all ASCII: then byte `i` is code unit
 * `i`. One native call (vectorised for ASCII) instead of a `charCodeAt` per character, which
 * costs more on sliced or concatenated strings.
 */
function encodeAscii(text: string): boolean {
  const n = text.length;
  // Every code unit takes at most 3 bytes, so the whole text always fits.
  if (utf8.length < 3 * n) utf8 = new Uint8Array(Math.max(3 * n, 2 * utf8.length));
  runText = undefined; // the buffer's bytes change: forget the leet run read from them
  return encoder.encodeInto(text, utf8).written === n;
}

/**
 * An ASCII text's code units as bytes (a shared buffer, valid until the next call into this
 * module), or undefined when the text is not all ASCII.
 */
export function asciiBytes(text: string): Uint8Array | undefined {
  return encodeAscii(text) ? utf8 : undefined;
}

/**
 * The leet run {@link asciiAt} looked at last: [runStart, runEnd) of `runText`, and whether a
 * letter follows it or precedes it. Every character of a run asks the same question, so
 * without this a long run ("1!1!1!…") would cost its length squared.
 */
let runText: Uint8Array | undefined;
let runStart = 0;
let runEnd = 0;
let runNextLetter = false;
let runPrevLetter = false;

/**
 * The folded, leet-folded unit at `i` of an ASCII text, as passes 1 and 2 would leave it. For a
 * leet character it looks at its whole run, exactly as {@link foldLeet} does; rare on real text.
 * The run is remembered until the text is re-encoded ({@link encodeAscii}) or another run is read.
 */
export function asciiAt(text: Uint8Array, i: number, n: number): number {
  const c = ASCII_FOLD[text[i] as number] as number;
  if (LEET[c] === 0) return c;
  if (text !== runText || i < runStart || i >= runEnd) {
    let r0 = i;
    while (r0 > 0 && LEET[ASCII_FOLD[text[r0 - 1] as number] as number] !== 0) r0--;
    let r1 = i + 1;
    while (r1 < n && LEET[ASCII_FOLD[text[r1] as number] as number] !== 0) r1++;
    runText = text;
    runStart = r0;
    runEnd = r1;
    runNextLetter = r1 < n && CLS[ASCII_FOLD[text[r1] as number] as number] === LETTER;
    runPrevLetter = r0 > 0 && CLS[ASCII_FOLD[text[r0 - 1] as number] as number] === LETTER;
  }
  if (runNextLetter) return LEET[c] as number;
  return runPrevLetter && isDigit(c) ? (LEET[c] as number) : c;
}

/** {@link singleLetterAt} over an ASCII text read through {@link asciiAt}. */
function asciiSingleLetterAt(text: Uint8Array, i: number, n: number): boolean {
  return CLS[asciiAt(text, i, n)] === LETTER && (i + 1 >= n || !isWordCode(asciiAt(text, i + 1, n)));
}

/**
 * Where a letter-by-letter spelling that starts at the letter `i` of an ASCII text ends: the
 * index of its last letter when at least three one-letter tokens follow each other, split by
 * single join separators ("s.o.f.t", "h a t e"); -1 otherwise. The caller checks that `i`
 * starts a token.
 */
export function asciiJoinRunEnd(text: Uint8Array, i: number, n: number): number {
  let j = i;
  let tokens = 1;
  while (j + 2 < n && isJoinSeparator(asciiAt(text, j + 1, n)) && asciiSingleLetterAt(text, j + 2, n)) {
    j += 2;
    tokens++;
  }
  return tokens >= 3 ? j : -1;
}

/**
 * All three passes fused for an ASCII text (the common case): one pass over the text, no
 * intermediate buffer, every unit's start its own index. Reads units through {@link asciiAt},
 * so it produces exactly what the general passes produce (a differential test checks it).
 */
function normaliseAscii(text: Uint8Array, n: number): NormaliseBuffers {
  output = ensure(output, n + 1);
  const b = output;
  const bc = b.codes;
  const bs = b.starts;
  const soft = b.soft;
  let o = 0;
  let last = -1;
  let prevWord = false;
  for (let i = 0; i < n; i++) {
    let c = ASCII_FOLD[text[i] as number] as number;
    if (LEET[c] !== 0) c = asciiAt(text, i, n);
    const k = CLS[c] as number;
    if (k === LETTER) {
      // The byte after must be a join separator (which no leet fold gives): most words stop here.
      const j = prevWord || i + 2 >= n || !isJoinSeparator(ASCII_FOLD[text[i + 1] as number] as number) ? -1 : asciiJoinRunEnd(text, i, n);
      if (j >= 0) {
        for (let q = i; q <= j; q += 2) {
          const cq = asciiAt(text, q, n);
          if (cq === last) continue;
          bc[o] = cq;
          bs[o] = q;
          soft[o] = q > i ? 1 : 0;
          o++;
          last = cq;
        }
        i = j;
        prevWord = true;
        continue;
      }
      prevWord = true;
      if (c === last) continue;
    } else if (c === SPACE) {
      prevWord = false;
      if (last === SPACE || o === 0) continue;
    } else {
      prevWord = k === WORD_PART || k === CONTINUOUS;
    }
    bc[o] = c;
    bs[o] = i;
    soft[o] = 0;
    o++;
    last = c;
  }
  if (o > 0 && bc[o - 1] === SPACE) o--;
  soft[o] = 0;
  b.length = o;
  return b;
}

/**
 * Normalises into shared scratch buffers and returns them; valid until the next call.
 * Linear passes over UTF-16 code units: fold, leet, then join/collapse.
 */
export function normaliseIntoScratch(text: string): NormaliseBuffers {
  if (encodeAscii(text)) return normaliseAscii(utf8, text.length);
  const m = fold(text);
  foldLeet(folded.codes, m);
  const a = folded;
  const ac = a.codes;
  const as = a.starts;
  const inPlace = foldedInPlace;

  // Pass 3: join single letters split by single separators ("s.o.f.t", "h a t e"), collapse
  // repeated letters ("aaaimbooot") and runs of spaces.
  output = ensure(output, m + 1);
  const b = output;
  const bc = b.codes;
  const bs = b.starts;
  const soft = b.soft;
  let o = 0;
  let last = -1;
  let prevWord = false;
  for (let i = 0; i < m; i++) {
    const c = ac[i] as number;
    const k = CLS[c] as number;
    if (k === LETTER) {
      // Start of a possible joined run: a one-letter token followed by "<sep><letter>" twice more.
      if (!prevWord && i + 2 < m && isJoinSeparator(ac[i + 1] as number) && singleLetterAt(ac, i + 2, m)) {
        let j = i;
        let tokens = 1;
        while (j + 2 < m && isJoinSeparator(ac[j + 1] as number) && singleLetterAt(ac, j + 2, m)) {
          j += 2;
          tokens++;
        }
        if (tokens >= 3) {
          for (let q = i; q <= j; q += 2) {
            const cq = ac[q] as number;
            if (cq === last) continue;
            bc[o] = cq;
            bs[o] = inPlace ? q : (as[q] as number);
            soft[o] = q > i ? 1 : 0;
            o++;
            last = cq;
          }
          i = j;
          prevWord = true;
          continue;
        }
      }
      prevWord = true;
      if (c === last) continue;
    } else if (c === SPACE) {
      prevWord = false;
      if (last === SPACE || o === 0) continue;
    } else {
      prevWord = k === WORD_PART || k === CONTINUOUS;
    }
    bc[o] = c;
    bs[o] = inPlace ? i : (as[i] as number);
    soft[o] = 0;
    o++;
    last = c;
  }
  // A trailing space carries no information and would make equal texts hash differently.
  if (o > 0 && bc[o - 1] === SPACE) o--;
  soft[o] = 0;
  b.length = o;
  return b;
}

/** Decodes `length` code units of a buffer into a string, in chunks to stay under argument limits. */
export function codesToString(codes: Uint16Array, length: number): string {
  if (length <= 4096) return String.fromCharCode.apply(null, codes.subarray(0, length) as unknown as number[]);
  let s = "";
  for (let i = 0; i < length; i += 4096) {
    s += String.fromCharCode.apply(null, codes.subarray(i, Math.min(length, i + 4096)) as unknown as number[]);
  }
  return s;
}

/**
 * Where, in the original text, the normalised range ending at `end` (exclusive) ends: just
 * before the next normalised character's source, less trailing spaces and punctuation, so
 * collapsed letters ("killll") are covered and dropped separators are not.
 */
export function originalEnd(buf: NormaliseBuffers, end: number, text: string): number {
  const lastStart = buf.starts[end - 1] as number;
  const c = text.charCodeAt(lastStart);
  const floor = lastStart + (c >= 0xd800 && c <= 0xdbff && lastStart + 1 < text.length ? 2 : 1);
  let e = end < buf.length ? (buf.starts[end] as number) : text.length;
  while (e > floor && CLS[text.charCodeAt(e - 1)] === OTHER) e--;
  return e;
}

/**
 * Normalises a text for keyword matching: NFKC, case folding, removal of zero-width/bidi
 * characters, homoglyph and leetspeak folding, joining of letter-by-letter spellings and
 * collapsing of repeated letters. Never throws, whatever the input.
 */
export function normalise(text: string): NormalisedText {
  const b = normaliseIntoScratch(text);
  const ends = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) ends[i] = originalEnd(b, i + 1, text);
  return { text: codesToString(b.codes, b.length), offsets: b.starts.slice(0, b.length), ends };
}
