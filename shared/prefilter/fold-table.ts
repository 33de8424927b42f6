/**
 * The per-character fold used by the normaliser: NFKC, case folding, diacritic stripping for
 * alphabetic scripts, removal of invisible characters and confusable (homoglyph) folding.
 *
 * Folding is per code point rather than `text.normalize("NFKC")` on the whole string, because
 * the moderator must be shown the hit in the original text: a per-character fold keeps an exact
 * offset map, where whole-string normalisation would lose it.
 */

/** Table value: the character is removed. */
export const FOLD_DROP = 0xffff;
/** Table value: the character folds to several code units; see {@link foldExpansion}. */
export const FOLD_MULTI = 0xfffe;
/** Table value: a UTF-16 surrogate; the normaliser pairs it or replaces a lone one. */
export const FOLD_SURROGATE = 0xfffd;
/** Table value: not computed yet. */
const FOLD_UNKNOWN = 0;

/** Zero-width, joiner, bidi-control and other invisible format characters. */
const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]/;
/** Combining diacritics stripped after decomposition (Latin, Greek, Cyrillic accents). */
const DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/;

/**
 * Look-alikes that NFKC leaves alone, folded to the Latin letter a reader would see.
 * Applied to real Cyrillic/Greek words too: keywords go through the same fold, so matching
 * stays consistent (in the spirit of Unicode TR39 "skeletons").
 */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ѕ: "s",
  і: "i",
  ї: "i",
  ј: "j",
  һ: "h",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ѡ: "w",
  ү: "y",
  ӏ: "i",
  ɡ: "g",
  // Greek (after lower-casing)
  α: "a",
  β: "b",
  γ: "y",
  ε: "e",
  η: "n",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  ω: "w",
  μ: "u",
  ς: "s",
  σ: "o",
  ϲ: "c",
  ϳ: "j",
  // Latin look-alikes and IPA
  ı: "i",
  ȷ: "j",
  ɑ: "a",
  ɩ: "i",
  ɪ: "i",
  ʏ: "y",
  ᴀ: "a",
  ʙ: "b",
  ᴄ: "c",
  ᴅ: "d",
  ᴇ: "e",
  ʜ: "h",
  ᴊ: "j",
  ᴋ: "k",
  ʟ: "l",
  ᴍ: "m",
  ɴ: "n",
  ᴏ: "o",
  ᴘ: "p",
  ʀ: "r",
  ꜱ: "s",
  ᴛ: "t",
  ᴜ: "u",
  ᴠ: "v",
  ᴡ: "w",
  ᴢ: "z",
  ß: "ss",
  ø: "o",
  đ: "d",
  ħ: "h",
  ł: "l",
  ŀ: "l",
  œ: "oe",
  æ: "ae",
  þ: "th",
  // Punctuation that stands in for ASCII separators
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u2015": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2022": "*",
  "\u00b7": ".",
};

/** Folds one code point (given as a string) to its matching form. */
export function foldCodePoint(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  // C0/C1 controls and line breaks become plain spaces: they separate words.
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) return " ";
  if (INVISIBLE.test(ch)) return "";
  let s = ch.normalize("NFKC").toLowerCase();
  if (!HANGUL.test(s)) s = s.normalize("NFD").replace(DIACRITICS, "").normalize("NFC");
  let out = "";
  for (const c of s) {
    const mapped = CONFUSABLES[c];
    if (mapped !== undefined) out += mapped;
    else if (/\s/.test(c)) out += " ";
    else out += c;
  }
  return out;
}

/** The BMP fold table, read directly by the normaliser's hot loop; 0 = not computed yet. */
export const FOLD_BMP = new Uint16Array(0x10000);
const bmp = FOLD_BMP;
const expansions = new Map<number, string>();
const astral = new Map<number, string>();

function computeBmp(code: number): number {
  const folded = foldCodePoint(String.fromCharCode(code));
  let v: number;
  if (folded.length === 0) v = FOLD_DROP;
  else if (folded.length === 1 && folded.charCodeAt(0) < FOLD_SURROGATE && folded.charCodeAt(0) !== 0) v = folded.charCodeAt(0);
  else {
    v = FOLD_MULTI;
    expansions.set(code, folded);
  }
  bmp[code] = v;
  return v;
}

// ASCII is folded eagerly: it is the hot path and costs nothing to build.
for (let c = 0; c < 0x80; c++) computeBmp(c);
bmp.fill(FOLD_SURROGATE, 0xd800, 0xe000);

/**
 * The fold of a BMP code unit (not a surrogate): a single code unit, {@link FOLD_DROP} or
 * {@link FOLD_MULTI}. Lazily filled, so only characters actually seen are ever computed.
 */
export function foldUnit(code: number): number {
  const v = bmp[code] as number;
  return v === FOLD_UNKNOWN ? computeBmp(code) : v;
}

/** Fills the table entry for a code unit read as 0 from {@link FOLD_BMP}. */
export const computeFold = computeBmp;

/** The multi-unit fold of a BMP code unit whose {@link foldUnit} is {@link FOLD_MULTI}. */
export function foldExpansion(code: number): string {
  return expansions.get(code) ?? "";
}

/** The fold of an astral code point (mathematical alphanumerics, emoji…), cached. */
export function foldAstral(codePoint: number): string {
  let s = astral.get(codePoint);
  if (s === undefined) {
    s = foldCodePoint(String.fromCodePoint(codePoint));
    // Bound the cache: an adversary can send every astral code point.
    if (astral.size < 65536) astral.set(codePoint, s);
  }
  return s;
}
