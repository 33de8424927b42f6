import type { Policy } from "../policy/policy.js";
import { AhoCorasick } from "./aho-corasick.js";
import { CharClass, charClassTable } from "./char-class.js";
import type { NormaliseBuffers } from "./normalise.js";
import { codesToString } from "./normalise.js";
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
}

interface PatternRef {
  policyIndex: number;
  role: TermRole;
  term: string;
  start: boolean;
  end: boolean;
}

/**
 * Every term of every policy compiled into one Aho–Corasick automaton, plus each policy's
 * regexes. Immutable: built once per policy-set version.
 */
export class Matcher {
  readonly patternCount: number;
  private readonly automaton: AhoCorasick;
  private readonly refs: PatternRef[];
  private readonly regexes: { policyIndex: number; re: RegExp }[];
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
      for (const r of p.regexes) this.regexes.push({ policyIndex: i, re: new RegExp(r, "gi") });
    });
    this.automaton = new AhoCorasick(patterns);
    this.refs = refs;
    this.patternCount = patterns.length;
  }

  /** Number of automaton states, for sizing reports. */
  get stateCount(): number {
    return this.automaton.stateCount;
  }

  /**
   * Finds all term hits in a normalised buffer, for the policies whose index is set in
   * `active` (all when undefined).
   */
  match(buf: NormaliseBuffers, active: Uint8Array | undefined): TermHit[] {
    const hits: TermHit[] = [];
    const codes = buf.codes;
    const soft = buf.soft;
    const n = buf.length;
    const refs = this.refs;
    const automaton = this.automaton;
    let count = automaton.scan(codes, n, this.occurrences);
    if (count * 2 > this.occurrences.length) {
      this.occurrences = new Int32Array(count * 2);
      count = automaton.scan(codes, n, this.occurrences);
    }
    const occ = this.occurrences;
    for (let q = 0; q < count; q++) {
      const id = occ[q * 2] as number;
      const end = occ[q * 2 + 1] as number;
      const ref = refs[id] as PatternRef;
      if (active !== undefined && active[ref.policyIndex] === 0) continue;
      const start = end - automaton.patternLength(id);
      if (ref.start && start > 0 && soft[start] === 0 && isWordCode(codes[start - 1] as number)) continue;
      if (ref.end && end < n && soft[end] === 0 && isWordCode(codes[end] as number)) continue;
      hits.push({ policyIndex: ref.policyIndex, role: ref.role, term: ref.term, start, end });
    }
    return hits;
  }

  /**
   * Runs the policies' regexes over the ORIGINAL text (case-insensitive): a pattern such as
   * `https?://` must see the text as written, not with its letters collapsed. At most
   * `maxPerPolicy` matches are collected per policy.
   */
  matchRegexes(text: string, active: Uint8Array | undefined, maxPerPolicy: number): RegexHit[] {
    const hits: RegexHit[] = [];
    for (const { policyIndex, re } of this.regexes) {
      if (active !== undefined && active[policyIndex] === 0) continue;
      re.lastIndex = 0;
      let found = 0;
      for (let m = re.exec(text); m !== null && found < maxPerPolicy; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++; // an empty match would loop forever
          continue;
        }
        hits.push({ policyIndex, term: re.source, start: m.index, end: m.index + m[0].length });
        found++;
      }
    }
    return hits;
  }
}

const CLS = charClassTable();

/** Letters and digits of spaced scripts: what a word boundary must not cut through. */
function isWordCode(c: number): boolean {
  const k = CLS[c];
  return k === CharClass.Letter || k === CharClass.WordPart;
}

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
