import { CharClass, charClassTable } from "./char-class.js";
import { normalise } from "./normalise.js";

/** How a term must sit in the text to count. */
export interface TermBoundaries {
  /** The character before the match must not be part of the same word. */
  start: boolean;
  /** The character after the match must not be part of the same word. */
  end: boolean;
}

/** A policy term compiled to the form the automaton matches. */
export interface CompiledTerm {
  /** The term as the policy author wrote it (shown to moderators). */
  source: string;
  /** The normalised pattern. */
  pattern: string;
  boundaries: TermBoundaries;
}

/**
 * Compiles a keyword as written in a policy: `word` matches a whole word, `word*` any word that
 * starts with it (`kill*` → killing, killer), `*word` any word that ends with it, `*word*`
 * anywhere. Terms in scripts written without spaces (Han, Thai…) always match anywhere.
 * Returns the term and, when `typos` is set, its common misspellings; an empty list when the
 * term normalises to nothing.
 */
export function compileTerm(source: string, typos: boolean): CompiledTerm[] {
  let body = source.trim();
  let start = true;
  let end = true;
  if (body.startsWith("*")) {
    start = false;
    body = body.slice(1);
  }
  if (body.endsWith("*")) {
    end = false;
    body = body.slice(0, -1);
  }
  const pattern = normalise(body).text;
  if (pattern.length === 0) return [];
  const cls = charClassTable();
  // Boundaries only make sense next to letters and digits of spaced scripts (like RegExp \b).
  const bounded = (c: number): boolean => cls[c] === CharClass.Letter || cls[c] === CharClass.WordPart;
  const startBounded = start && bounded(pattern.charCodeAt(0));
  const endBounded = end && bounded(pattern.charCodeAt(pattern.length - 1));
  const boundaries = { start: startBounded, end: endBounded };
  const out: CompiledTerm[] = [{ source, pattern, boundaries }];
  const seen = new Set([pattern]);
  const add = (p: string, minLength = 1): void => {
    const q = normalise(p).text;
    if (q.length >= minLength && !seen.has(q)) {
      seen.add(q);
      out.push({ source, pattern: q, boundaries });
    }
  };
  // "1" folds to "i" but often stands for "l" ("ki11"): match the all-"i" spelling too.
  // Only when no new collapse shortens it: "kill" → "kii" → "ki" would match "kind".
  const withI = (p: string): void => {
    const v = normalise(p.replaceAll("l", "i")).text;
    if (v.length === p.length) add(v);
  };
  if (pattern.includes("l")) withI(pattern);
  // Letter-by-letter spellings join across word gaps ("s o f t a i m" → "softaim"), and
  // obfuscators drop spaces anyway ("softaim", "wallhack"): match the closed-up phrase too.
  if (pattern.includes(" ")) {
    const closed = pattern.replaceAll(" ", "");
    add(closed);
    if (closed.includes("l")) withI(closed);
  }
  // Typos are made on the word as written ("kill" → "klil"), then normalised like the text.
  // A short misspelling of a wildcard term matches too much ("*töten" → "*ten"): keep length.
  const typoMin = startBounded && endBounded ? 4 : 5;
  if (typos) for (const v of typoVariants(body.toLowerCase())) add(v, typoMin);
  return out;
}

/**
 * Misspellings that keep a word recognisable: one inner letter dropped ("hatrd") or two
 * neighbouring letters swapped ("haet"). The first letter stays, and a word must keep four
 * letters, so "scum" never becomes "sum".
 */
export function typoVariants(word: string): string[] {
  const cls = charClassTable();
  for (let i = 0; i < word.length; i++) if (cls[word.charCodeAt(i)] !== CharClass.Letter) return [];
  const out: string[] = [];
  if (word.length >= 5) {
    for (let i = 1; i < word.length - 1; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  }
  if (word.length >= 4) {
    for (let i = 1; i < word.length - 1; i++) {
      if (word[i] !== word[i + 1]) out.push(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
    }
  }
  return out;
}
