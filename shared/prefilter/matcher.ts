import { RE2Set, RE2JS } from "re2js";
import type { Policy } from "../policy/policy.js";
import { compilePolicyRegex, toRe2Syntax } from "../policy/policy-regex.js";
import { AhoCorasick } from "./aho-corasick.js";
import { AnchoredTrie } from "./anchored-trie.js";
import { holdsOneOf, requiredChars } from "./required-chars.js";
import { AsciiScanner, NEEDS_NORMALISER, NO_HIT, occurrenceEnd, occurrenceStart } from "./ascii-scanner.js";
import { CharClass, charClassTable } from "./char-class.js";
import type { NormaliseBuffers } from "./normalise.js";
import { asciiBytes, codesToString, normaliseIntoScratch, originalEnd } from "./normalise.js";
import { compileTerm } from "./term.js";

/** What a term does for its policy. */
export const enum TermRole {
  /** Sends the post to the model on its own. */
  Keyword = 0,
  /** Counts only together with a target. */
  Signal = 1,
  /** Makes signals count. */
  Target = 2,
}

/** A term occurrence in normalised coordinates. */
export interface TermHit {
  policyIndex: number;
  role: TermRole;
  /** The term as written in the policy (for a regex: the regex source). */
  term: string;
  start: number;
  end: number;
  /** The compiled pattern's id: orders hits that share start and end. */
  pattern: number;
}

/** A term occurrence in ORIGINAL text coordinates, with the keys that order it. */
export interface LocatedHit {
  policyIndex: number;
  role: TermRole;
  /** The term as written in the policy. */
  term: string;
  /** The compiled pattern's id. */
  pattern: number;
  start: number;
  end: number;
  /**
   * Order keys: the occurrence's start and end in the normalised text, or (for an ASCII post
   * settled by the scanner) in the original text, which orders the occurrences the same way.
   */
  sortStart: number;
  sortEnd: number;
}

interface PatternRef {
  policyIndex: number;
  role: TermRole;
  term: string;
  start: boolean;
  end: boolean;
}

/** Longest pattern walked from word starts; longer ones go to the automaton (bounds the walk). */
const MAX_ANCHORED_LENGTH = 64;

/**
 * Every term of every policy compiled into a trie walked from word starts (the terms that must
 * start a word: most of them) and one Aho–Corasick automaton (the rest: `*word`, CJK), plus
 * each policy's regexes. Immutable: built once per policy-set version.
 */
export class Matcher {
  readonly patternCount: number;
  private readonly automaton: AhoCorasick;
  private readonly anchored: AnchoredTrie;
  private readonly hasAnchored: boolean;
  private readonly hasUnanchored: boolean;
  private readonly lengths: Int32Array;
  private readonly refs: PatternRef[];
  /**
   * Every policy's regexes on the linear-time engine (RE2JS: see policy-regex.ts). `source`: as
   * written; `required`: characters one of which every match holds ({@link requiredChars};
   * "" = unknown).
   */
  private readonly regexes: { policyIndex: number; source: string; re: RE2JS; required: string }[];
  /** All of them in one automaton: one pass over a post says which of them match at all. */
  private readonly regexSet: RE2Set | undefined;
  /** Settles most ASCII posts without normalising them; undefined when the patterns are too many for it. */
  private readonly scanner: AsciiScanner | undefined;
  /** Reused between calls: (patternId, end) pairs from the automaton. */
  private occurrences = new Int32Array(256);

  constructor(policies: readonly Policy[]) {
    const patterns: string[] = [];
    const refs: PatternRef[] = [];
    const add = (policyIndex: number, role: TermRole, terms: readonly string[], typos: boolean): void => {
      for (const source of terms) {
        for (const t of compileTerm(source, typos)) {
          patterns.push(t.pattern);
          refs.push({ policyIndex, role, term: source, start: t.boundaries.start, end: t.boundaries.end });
        }
      }
    };
    this.regexes = [];
    policies.forEach((p, i) => {
      add(i, TermRole.Keyword, p.keywords, p.typos);
      add(i, TermRole.Signal, p.signals, p.typos);
      add(i, TermRole.Target, p.targets, p.typos);
      for (const r of p.regexes) this.regexes.push({ policyIndex: i, source: r, re: compilePolicyRegex(r), required: requiredChars(r) ?? "" });
    });
    if (this.regexes.length > 0) {
      const set = new RE2Set(RE2Set.UNANCHORED, RE2JS.CASE_INSENSITIVE);
      for (const r of this.regexes) set.add(toRe2Syntax(r.source));
      set.compile();
      this.regexSet = set;
    }
    // Each pattern goes to exactly one structure; the other sees an empty (ignored) string, so
    // ids stay the same everywhere.
    const anchored = patterns.map((p, id) => ((refs[id] as PatternRef).start && p.length <= MAX_ANCHORED_LENGTH ? p : ""));
    const unanchored = patterns.map((p, id) => ((anchored[id] as string).length > 0 ? "" : p));
    this.anchored = new AnchoredTrie(anchored);
    this.automaton = new AhoCorasick(unanchored);
    this.hasAnchored = anchored.some((p) => p.length > 0);
    this.hasUnanchored = unanchored.some((p) => p.length > 0);
    this.lengths = Int32Array.from(patterns, (p) => p.length);
    this.refs = refs;
    this.patternCount = patterns.length;
    this.scanner = AsciiScanner.build(
      patterns,
      Uint8Array.from(refs, (r) => (r.start ? 1 : 0)),
      Uint8Array.from(refs, (r) => (r.end ? 1 : 0)),
      Int32Array.from(refs, (r) => r.policyIndex),
      Uint8Array.from(refs, (r) => (r.role === TermRole.Signal ? 1 : r.role === TermRole.Target ? 2 : 0)),
      policies.length,
    );
  }

  /**
   * Every term hit in a post for the policies set in `active` (all when undefined), in
   * original coordinates. An ASCII post is read by the scanner alone, unless it holds a
   * letter-by-letter spelling; other posts are normalised and scanned.
   */
  find(text: string, active: Uint8Array | undefined): LocatedHit[] {
    const scanner = this.scanner;
    const bytes = scanner === undefined ? undefined : asciiBytes(text);
    if (scanner !== undefined && bytes !== undefined) {
      const count = scanner.scan(bytes, text.length, active);
      if (count === NO_HIT) return NO_LOCATED_HITS;
      if (count !== NEEDS_NORMALISER) return this.locateAscii(bytes, text.length, scanner.occurrences, count, active);
    }
    const buf = normaliseIntoScratch(text);
    const hits = this.match(buf, active);
    if (hits.length === 0) return NO_LOCATED_HITS;
    return hits.map((h) => {
      return {
        policyIndex: h.policyIndex,
        role: h.role,
        term: h.term,
        pattern: h.pattern,
        start: buf.starts[h.start] as number,
        end: originalEnd(buf, h.end, text),
        sortStart: h.start,
        sortEnd: h.end,
      };
    });
  }

  /** The scanner's occurrences, (patternId, last byte) pairs, as located hits. */
  private locateAscii(t: Uint8Array, n: number, occ: Int32Array, count: number, active: Uint8Array | undefined): LocatedHit[] {
    const hits: LocatedHit[] = [];
    for (let q = 0; q < count; q++) {
      const id = occ[2 * q] as number;
      const last = occ[2 * q + 1] as number;
      const ref = this.refs[id] as PatternRef;
      if (active !== undefined && active[ref.policyIndex] === 0) continue;
      const start = occurrenceStart(t, n, last, this.lengths[id] as number);
      hits.push({
        policyIndex: ref.policyIndex,
        role: ref.role,
        term: ref.term,
        pattern: id,
        start,
        end: occurrenceEnd(t, n, last),
        sortStart: start,
        sortEnd: last + 1,
      });
    }
    return hits;
  }

  /**
   * False when the post certainly has no term hit for the policies set in `active` (all when
   * undefined), decided for most ASCII posts without normalising them; true when
   * {@link match} must settle it.
   */
  mayHit(text: string, active: Uint8Array | undefined): boolean {
    if (this.scanner === undefined) return true;
    const bytes = asciiBytes(text);
    return bytes === undefined || this.scanner.scan(bytes, text.length, active) !== NO_HIT;
  }

  /** Number of trie and automaton states, for sizing reports. */
  get stateCount(): number {
    return this.anchored.stateCount + this.automaton.stateCount;
  }

  /** Raw (patternId, end) pairs of both structures; grows the buffer if they did not fit. */
  private scan(buf: NormaliseBuffers): number {
    for (;;) {
      const out = this.occurrences;
      let count = this.hasAnchored ? this.anchored.scan(buf.codes, buf.length, buf.soft, WORD, out) : 0;
      if (this.hasUnanchored) count = this.automaton.scan(buf.codes, buf.length, out, count);
      if (count * 2 <= out.length) return count;
      this.occurrences = new Int32Array(count * 2);
    }
  }

  /**
   * Finds all term hits in a normalised buffer, for the policies whose index is set in
   * `active` (all when undefined).
   */
  match(buf: NormaliseBuffers, active: Uint8Array | undefined): TermHit[] {
    const count = this.scan(buf);
    if (count === 0) return NO_HITS; // the common case: no array per post
    const hits: TermHit[] = [];
    const codes = buf.codes;
    const soft = buf.soft;
    const n = buf.length;
    const refs = this.refs;
    const lengths = this.lengths;
    const occ = this.occurrences;
    for (let q = 0; q < count; q++) {
      const id = occ[q * 2] as number;
      const end = occ[q * 2 + 1] as number;
      const ref = refs[id] as PatternRef;
      if (active !== undefined && active[ref.policyIndex] === 0) continue;
      const start = end - (lengths[id] as number);
      if (ref.start && start > 0 && soft[start] === 0 && WORD[codes[start - 1] as number] === 1) continue;
      if (ref.end && end < n && soft[end] === 0 && WORD[codes[end] as number] === 1) continue;
      hits.push({ policyIndex: ref.policyIndex, role: ref.role, term: ref.term, start, end, pattern: id });
    }
    return hits;
  }

  /**
   * Runs the policies' regexes over the ORIGINAL text (case-insensitive): a pattern such as
   * `https?://` must see the text as written, not with its letters collapsed. At most
   * `maxPerPolicy` matches are collected per regex. Linear in the text: one pass of the set
   * automaton says which regexes match, and only those are run for their positions, each at
   * most `maxPerPolicy` times per regex (an empty match counts, and is not reported).
   */
  matchRegexes(text: string, active: Uint8Array | undefined, maxPerPolicy: number): RegexHit[] {
    const set = this.regexSet;
    if (set === undefined) return NO_REGEX_HITS;
    let candidate = false;
    for (const { policyIndex, required } of this.regexes) {
      if (active !== undefined && active[policyIndex] === 0) continue;
      if (required !== "" && !holdsOneOf(text, required)) continue; // it cannot match
      candidate = true;
      break;
    }
    if (!candidate) return NO_REGEX_HITS;
    const matching = set.match(text);
    if (matching.length === 0) return NO_REGEX_HITS;
    matching.sort((a, b) => a - b); // policy order, as before
    let hits: RegexHit[] | undefined;
    for (const id of matching) {
      const { policyIndex, source, re } = this.regexes[id] as (typeof this.regexes)[number];
      if (active !== undefined && active[policyIndex] === 0) continue;
      const m = re.matcher(text);
      for (let found = 0; found < maxPerPolicy && m.find(); found++) {
        const start = m.start();
        const end = m.end();
        if (end > start) (hits ??= []).push({ policyIndex, term: source, start, end });
      }
    }
    return hits ?? NO_REGEX_HITS;
  }
}

const CLS = charClassTable();

/** 1 for letters and digits of spaced scripts: what a word boundary must not cut through. */
const WORD = Uint8Array.from(CLS, (k) => (k === CharClass.Letter || k === CharClass.WordPart ? 1 : 0));

/** Shared empty result: never mutated (callers only read hit lists). */
const NO_HITS: TermHit[] = Object.freeze([]) as unknown as TermHit[];
const NO_REGEX_HITS: RegexHit[] = Object.freeze([]) as unknown as RegexHit[];
const NO_LOCATED_HITS: LocatedHit[] = Object.freeze([]) as unknown as LocatedHit[];

/** A regex match, in ORIGINAL text coordinates. */
export interface RegexHit {
  policyIndex: number;
  term: string;
  start: number;
  end: number;
}

/** The normalised buffer as a string (kept here so callers need not know the buffer layout). */
export function bufferText(buf: NormaliseBuffers): string {
  return codesToString(buf.codes, buf.length);
}
