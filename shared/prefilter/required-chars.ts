/**
 * Characters one of which every match of a regular expression holds, derived from its source:
 * a regex whose text holds none of them cannot match, so it need not run. The analysis is
 * conservative: it reads only the top level of the pattern (a sequence of atoms, no `|`), takes
 * as required an atom that is a literal character or a plain character class (`[$€£]`,
 * `[a-z0-9-]`) not made optional by its quantifier, and gives up (undefined) on anything else
 * it does not understand. Groups, `.`, `\w`-like escapes and assertions are skipped (never
 * required). Of the required atoms it picks the one least likely in ordinary text: a
 * non-letter, then the smallest set. Letters come with every character they fold to: the
 * regexes run case-insensitive on RE2, with Unicode simple case folding, where the only
 * non-ASCII characters that fold to ASCII letters are the Kelvin sign (k) and the long s (s).
 */
export function requiredChars(source: string): string | undefined {
  const candidates: string[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i] as string;
    let atom: string | undefined;
    if (c === "|" || c === ")" || c === "]" || c === "{" || c === "}" || c === "?" || c === "*" || c === "+") {
      // A top-level alternative, or a character out of place: give up.
      return undefined;
    } else if (c === "(") {
      const end = groupEnd(source, i);
      if (end < 0) return undefined;
      i = end;
    } else if (c === "[") {
      const end = classEnd(source, i);
      if (end < 0) return undefined;
      atom = classChars(source.slice(i + 1, end - 1));
      i = end;
    } else if (c === "\\") {
      const e = source[i + 1];
      if (e === undefined) return undefined;
      // An escaped punctuation character is itself; letters and digits are classes,
      // assertions or back-references: skipped.
      if (!/[A-Za-z0-9]/.test(e)) atom = e;
      else if (e === "c" || e === "x" || e === "u" || e === "k" || e === "p" || e === "P") return undefined; // escapes with a payload
      i += 2;
    } else {
      if (c !== "." && c !== "^" && c !== "$") atom = c;
      i++;
    }
    // Its quantifier: the atom is required only when it must occur at least once.
    let required = true;
    const q = source[i];
    if (q === "?" || q === "*") {
      required = false;
      i++;
    } else if (q === "+") i++;
    else if (q === "{") {
      const m = /^\{(\d+)(,\d*)?\}/.exec(source.slice(i));
      if (m === null) return undefined;
      required = Number(m[1]) >= 1;
      i += m[0].length;
    }
    if (source[i] === "?" && q !== undefined && "?*+{".includes(q)) i++; // lazy
    if (required && atom !== undefined && atom.length > 0) candidates.push(atom);
  }
  let best: string | undefined;
  const score = (s: string): number => (/[A-Za-z]/.test(s) ? 1000 : 0) + s.length;
  for (const a of candidates) if (best === undefined || score(a) < score(best)) best = a;
  return best === undefined ? undefined : withOtherCase(best);
}

/** The index after the `)` closing the group opened at `i`, or -1. */
function groupEnd(source: string, i: number): number {
  let depth = 0;
  for (let p = i; p < source.length; p++) {
    const c = source[p];
    if (c === "\\") p++;
    else if (c === "[") {
      const e = classEnd(source, p);
      if (e < 0) return -1;
      p = e - 1;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return p + 1;
  }
  return -1;
}

/** The index after the `]` closing the class opened at `i`, or -1. */
function classEnd(source: string, i: number): number {
  let p = i + 1;
  if (source[p] === "^") p++;
  if (source[p] === "]") p++; // a leading `]` is literal
  for (; p < source.length; p++) {
    const c = source[p];
    if (c === "\\") p++;
    else if (c === "]") return p + 1;
  }
  return -1;
}

/**
 * The characters of a plain class body (literals and ranges of them, no negation, no
 * escapes), or undefined.
 */
function classChars(body: string): string | undefined {
  if (body.length === 0 || body.startsWith("^") || body.includes("\\") || body.includes("[")) return undefined;
  const chars = body.split(""); // code units, as a regex without `u` reads them
  let out = "";
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k] as string;
    if (chars[k + 1] === "-" && k + 2 < chars.length) {
      const from = c.codePointAt(0) as number;
      const to = (chars[k + 2] as string).codePointAt(0) as number;
      if (to < from || to - from > 256) return undefined;
      for (let u = from; u <= to; u++) out += String.fromCodePoint(u);
      k += 2;
    } else out += c;
  }
  return out;
}

/** Non-ASCII characters that Unicode simple case folding (RE2's `(?i)`) maps to an ASCII letter. */
const ASCII_FOLDS: Record<string, string> = { k: "\u212a", s: "\u017f" };

/** The characters with the other case of each ASCII letter added; undefined for other letters. */
function withOtherCase(chars: string): string | undefined {
  let out = "";
  for (const c of chars) {
    if (/[A-Za-z]/.test(c)) out += c.toLowerCase() + c.toUpperCase() + (ASCII_FOLDS[c.toLowerCase()] ?? "");
    else if (c.toLowerCase() !== c.toUpperCase())
      return undefined; // a non-ASCII letter: its folds are not listed
    else out += c;
  }
  return [...new Set(out)].join("");
}

/** Whether `text` holds one of `chars`. */
export function holdsOneOf(text: string, chars: string): boolean {
  for (const c of chars) if (text.includes(c)) return true;
  return false;
}
