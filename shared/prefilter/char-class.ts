/**
 * What a UTF-16 code unit is to the word-boundary logic. Built once per process from Unicode
 * properties, so the hot path is one typed-array read per character.
 */
export const enum CharClass {
  /** Punctuation, space, symbols, emoji halves: a word boundary. */
  Other = 0,
  /** A letter of a script that separates words with spaces (Latin, Cyrillic, Greek, Arabic…). */
  Letter = 1,
  /** A digit or a combining mark: part of a word, but never collapsed or joined. */
  WordPart = 2,
  /** A letter of a script written without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar). */
  Continuous = 3,
}

const CONTINUOUS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Bopomofo}]/u;

function classify(code: number): CharClass {
  // Surrogate halves: astral letters are rare once maths alphanumerics are folded; treat as boundary.
  if (code >= 0xd800 && code <= 0xdfff) return CharClass.Other;
  const ch = String.fromCharCode(code);
  if (CONTINUOUS.test(ch)) return CharClass.Continuous;
  if (/\p{L}/u.test(ch)) return CharClass.Letter;
  if (/[\p{N}\p{M}]/u.test(ch)) return CharClass.WordPart;
  return CharClass.Other;
}

let table: Uint8Array | undefined;

/** The class of every BMP code unit; computed on first use (~30 ms), then shared. */
export function charClassTable(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) t[c] = classify(c);
  table = t;
  return t;
}
