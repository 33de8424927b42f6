import { CharClass, charClassTable } from "./char-class.js";
import { FOLD_DROP, FOLD_MULTI, foldAstral, foldExpansion, foldUnit } from "./fold-table.js";

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
  starts: Int32Array;
  ends: Int32Array;
  /** 1 where a word boundary may be assumed because separators were removed (`s.o.f.t`). */
  soft: Uint8Array;
  length: number;
}

/** Leet digits and symbols, folded to the letter they stand for when they sit in a word. */
const LEET = new Uint16Array(128);
for (const [from, to] of [["0", "o"], ["1", "i"], ["3", "e"], ["4", "a"], ["5", "s"], ["7", "t"], ["@", "a"], ["$", "s"], ["!", "i"]] as const) {
  LEET[from.charCodeAt(0)] = to.charCodeAt(0);
}
/** Separators that obfuscators put between the letters of one word. */
const JOIN_SEPARATOR = new Uint8Array(128);
for (const c of ".-_ *") JOIN_SEPARATOR[c.charCodeAt(0)] = 1;

const SPACE = 0x20;
const REPLACEMENT = 0xfffd;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

let folded: NormaliseBuffers = allocate(1024);
let output: NormaliseBuffers = allocate(1024);

function allocate(capacity: number): NormaliseBuffers {
  return {
    codes: new Uint16Array(capacity),
    starts: new Int32Array(capacity),
    ends: new Int32Array(capacity),
    soft: new Uint8Array(capacity + 1),
    length: 0,
  };
}

function ensure(buf: NormaliseBuffers, capacity: number): NormaliseBuffers {
  return buf.codes.length >= capacity ? buf : allocate(Math.max(capacity, buf.codes.length * 2));
}

/**
 * Normalises into shared scratch buffers and returns them; valid until the next call.
 * Three linear passes over UTF-16 code units: fold, leet, then join/collapse.
 */
export function normaliseIntoScratch(text: string): NormaliseBuffers {
  const n = text.length;
  // A code unit folds to at most a few units (NFKC expansions); grow lazily below if not.
  folded = ensure(folded, n * 2 + 16);
  let a = folded;
  let m = 0;

  // Pass 1: per-character fold (NFKC, case, diacritics, invisibles, confusables).
  for (let i = 0; i < n; i++) {
    let code = text.charCodeAt(i);
    let width = 1;
    let v: number;
    let expansion = "";
    if (code < 0x80) {
      v = foldUnit(code);
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      const cp = ((code - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      width = 2;
      expansion = foldAstral(cp);
      v = expansion.length === 0 ? FOLD_DROP : FOLD_MULTI;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      v = REPLACEMENT; // lone surrogate: keep a visible non-word character, never throw
    } else {
      v = foldUnit(code);
      if (v === FOLD_MULTI) expansion = foldExpansion(code);
    }
    if (v === FOLD_DROP) {
      i += width - 1;
      continue;
    }
    if (v !== FOLD_MULTI) {
      a.codes[m] = v;
      a.starts[m] = i;
      a.ends[m] = i + width;
      m++;
    } else {
      if (m + expansion.length >= a.codes.length) {
        const bigger = allocate((m + expansion.length) * 2 + 16);
        bigger.codes.set(a.codes.subarray(0, m));
        bigger.starts.set(a.starts.subarray(0, m));
        bigger.ends.set(a.ends.subarray(0, m));
        a = folded = bigger;
      }
      for (let k = 0; k < expansion.length; k++) {
        a.codes[m] = expansion.charCodeAt(k);
        a.starts[m] = i;
        a.ends[m] = i + width;
        m++;
      }
    }
    i += width - 1;
    void code;
  }

  const cls = charClassTable();

  // Pass 2: leet. A run of leet characters is folded only where it touches a letter, so
  // "h4te" and "sh!t" fold but "2024", "$5" and "wow!" do not.
  for (let i = 0; i < m; ) {
    const c = a.codes[i] as number;
    if (c >= 128 || LEET[c] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < m && (a.codes[j] as number) < 128 && LEET[a.codes[j] as number] !== 0) j++;
    const prevLetter = i > 0 && cls[a.codes[i - 1] as number] === CharClass.Letter;
    const nextLetter = j < m && cls[a.codes[j] as number] === CharClass.Letter;
    if (prevLetter || nextLetter) {
      for (let k = i; k < j; k++) {
        const ck = a.codes[k] as number;
        if (nextLetter || isDigit(ck)) a.codes[k] = LEET[ck] as number;
      }
    }
    i = j;
  }

  // Pass 3: join single letters split by single separators ("s.o.f.t", "h a t e"), collapse
  // repeated letters ("aaaimbooot") and runs of spaces.
  output = ensure(output, m + 1);
  const b = output;
  let o = 0;
  let last = -1;
  const isWord = (c: number): boolean => {
    const k = cls[c];
    return k === CharClass.Letter || k === CharClass.WordPart || k === CharClass.Continuous;
  };
  const singleLetterAt = (i: number): boolean =>
    cls[a.codes[i] as number] === CharClass.Letter && (i + 1 >= m || !isWord(a.codes[i + 1] as number));

  for (let i = 0; i < m; i++) {
    const c = a.codes[i] as number;
    // Start of a possible joined run: a one-letter token followed by "<sep><letter>" twice more.
    if (
      cls[c] === CharClass.Letter &&
      (i === 0 || !isWord(a.codes[i - 1] as number)) &&
      i + 2 < m &&
      (a.codes[i + 1] as number) < 128 &&
      JOIN_SEPARATOR[a.codes[i + 1] as number] === 1 &&
      singleLetterAt(i + 2)
    ) {
      let j = i;
      let tokens = 1;
      while (
        j + 2 < m &&
        (a.codes[j + 1] as number) < 128 &&
        JOIN_SEPARATOR[a.codes[j + 1] as number] === 1 &&
        singleLetterAt(j + 2)
      ) {
        j += 2;
        tokens++;
      }
      if (tokens >= 3) {
        for (let k = i; k <= j; k += 2) {
          const ck = a.codes[k] as number;
          if (k > i) b.soft[o] = 1;
          if (ck === last) {
            b.ends[o - 1] = a.ends[k] as number;
            continue;
          }
          b.codes[o] = ck;
          b.starts[o] = a.starts[k] as number;
          b.ends[o] = a.ends[k] as number;
          b.soft[o + 1] = 0;
          if (k === i) b.soft[o] = 0;
          o++;
          last = ck;
        }
        i = j;
        continue;
      }
    }
    if (c === SPACE) {
      if (last === SPACE || o === 0) continue;
    } else if (c === last && cls[c] === CharClass.Letter) {
      b.ends[o - 1] = a.ends[i] as number;
      continue;
    }
    b.codes[o] = c;
    b.starts[o] = a.starts[i] as number;
    b.ends[o] = a.ends[i] as number;
    b.soft[o] = 0;
    o++;
    last = c;
  }
  // A trailing space carries no information and would make equal texts hash differently.
  if (o > 0 && b.codes[o - 1] === SPACE) o--;
  b.soft[o] = 0;
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
 * Normalises a text for keyword matching: NFKC, case folding, removal of zero-width/bidi
 * characters, homoglyph and leetspeak folding, joining of letter-by-letter spellings and
 * collapsing of repeated letters. Never throws, whatever the input.
 */
export function normalise(text: string): NormalisedText {
  const b = normaliseIntoScratch(text);
  return {
    text: codesToString(b.codes, b.length),
    offsets: b.starts.slice(0, b.length),
    ends: b.ends.slice(0, b.length),
  };
}
