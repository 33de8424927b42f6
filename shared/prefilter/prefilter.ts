import type { Policy } from "../policy/policy.js";
import { PolicySet } from "../policy/policy-set.js";
import { Matcher, TermRole, type TermHit } from "./matcher.js";
import { codesToString, normaliseIntoScratch, originalEnd, type NormaliseBuffers } from "./normalise.js";
import { resolvePrefilterOptions, type PrefilterOptions } from "./prefilter-options.js";
import type { PolicyPrefilterResult, PrefilterHit, PrefilterResult } from "./prefilter-result.js";

/**
 * The funnel's first stage: decides, per policy, whether a post goes to the model.
 * Immutable and built once per policy-set version (see {@link LivePrefilter} for the swap).
 */
export class Prefilter {
  readonly policySet: PolicySet;
  private readonly options: Required<PrefilterOptions>;
  private readonly matcher: Matcher;
  private readonly policies: readonly Policy[];
  private readonly activeByForum = new Map<string, Uint8Array>();
  /** Per forum (key "" = all policies): the decisions for a post with no hit, shared and frozen. */
  private readonly noHitByForum = new Map<string, NoHitDecisions>();

  constructor(policies: PolicySet | readonly Policy[], options?: PrefilterOptions) {
    this.options = resolvePrefilterOptions(options);
    this.policySet = policies instanceof PolicySet ? policies : new PolicySet(policies);
    this.policies = this.policySet.policies;
    // Policies in mode "off" are never compiled in: their terms cost nothing.
    this.matcher = new Matcher(this.policies.map((p) => (p.prefilter === "off" ? { ...p, keywords: [], signals: [], targets: [], regexes: [] } : p)));
  }

  /** Version of the policy set this prefilter was built from. */
  get version(): string {
    return this.policySet.version;
  }

  /** Number of compiled patterns (terms and their variants). */
  get patternCount(): number {
    return this.matcher.patternCount;
  }

  /**
   * Scans a post. With `forumId`, only the policies that apply to that forum are evaluated and
   * reported. Never throws on any string input.
   */
  match(text: string, forumId?: string): PrefilterResult {
    const active = forumId === undefined ? undefined : this.activeFor(forumId);
    const buf = normaliseIntoScratch(text);
    // The scratch buffer is reused by the next call: keep a copy of the codes, and make the
    // string only if someone asks (posts allowed here never need it).
    const normalised = new NormalisedCodes(keepCodes(buf.codes, buf.length));
    const termHits = this.matcher.match(buf, active);
    const regexHits = this.matcher.matchRegexes(text, active, this.options.maxHitsPerPolicy);
    if (termHits.length === 0 && regexHits.length === 0) {
      // Most posts: nothing matched, so every decision is known in advance for this forum.
      const none = this.noHitFor(forumId, active);
      const cut = this.modelCut(text);
      return new PrefilterMatch(none.policies, none.any, cut === text.length ? text : text.slice(0, cut), cut < text.length, normalised, this.policySet.version);
    }

    let perPolicy: TermHit[][] | undefined;
    if (termHits.length > 0) {
      perPolicy = this.policies.map(() => []);
      for (const h of termHits) (perPolicy[h.policyIndex] as TermHit[]).push(h);
    }
    let regexPerPolicy: PrefilterHit[][] | undefined;
    if (regexHits.length > 0) {
      regexPerPolicy = this.policies.map(() => []);
      for (const h of regexHits) (regexPerPolicy[h.policyIndex] as PrefilterHit[]).push({ term: h.term, start: h.start, end: h.end });
    }

    const results: PolicyPrefilterResult[] = [];
    let any = false;
    const policies = this.policies;
    for (let i = 0; i < policies.length; i++) {
      if (active !== undefined && active[i] === 0) continue;
      const policy = policies[i] as Policy;
      const mode = policy.prefilter;
      if (mode === "off") {
        results.push({ policyId: policy.id, policyVersion: policy.version, mode, sendToModel: false, reason: "mode-off", hits: [] });
        continue;
      }
      const own = perPolicy?.[i];
      let hits = own === undefined || own.length === 0 ? [] : this.toOriginal(qualifying(own), buf, text);
      const byRegex = regexPerPolicy?.[i];
      if (byRegex !== undefined && byRegex.length > 0) {
        hits = [...hits, ...byRegex].sort((a, b) => a.start - b.start).slice(0, this.options.maxHitsPerPolicy);
      }
      const send = mode === "all" || hits.length > 0;
      any ||= send;
      const reason = mode === "all" ? "mode-all" : send ? "keyword-hit" : "no-keyword-hit";
      results.push({ policyId: policy.id, policyVersion: policy.version, mode, sendToModel: send, reason, hits });
    }

    const cut = this.modelCut(text);
    return new PrefilterMatch(results, any, cut === text.length ? text : text.slice(0, cut), cut < text.length, normalised, this.policySet.version);
  }

  /** Length of the text for the model: the post, capped at `maxModelChars`. */
  private modelCut(text: string): number {
    if (text.length <= this.options.maxModelChars) return text.length;
    const cut = this.options.maxModelChars;
    // Never split a surrogate pair: the model would get a lone half.
    const c = text.charCodeAt(cut - 1);
    return c >= 0xd800 && c <= 0xdbff ? cut - 1 : cut;
  }

  private noHitFor(forumId: string | undefined, active: Uint8Array | undefined): NoHitDecisions {
    const key = forumId ?? "";
    let none = this.noHitByForum.get(key);
    if (none === undefined) {
      const policies: PolicyPrefilterResult[] = [];
      let any = false;
      this.policies.forEach((policy, i) => {
        if (active !== undefined && active[i] === 0) return;
        const mode = policy.prefilter;
        const send = mode === "all";
        any ||= send;
        const reason = mode === "all" ? "mode-all" : mode === "off" ? "mode-off" : "no-keyword-hit";
        const hits = Object.freeze([]) as unknown as PrefilterHit[];
        policies.push(Object.freeze({ policyId: policy.id, policyVersion: policy.version, mode, sendToModel: send, reason, hits }));
      });
      none = { policies: Object.freeze(policies) as unknown as PolicyPrefilterResult[], any };
      if (this.noHitByForum.size < 10_000) this.noHitByForum.set(key, none);
    }
    return none;
  }

  private toOriginal(hits: TermHit[], buf: NormaliseBuffers, text: string): PrefilterHit[] {
    const out: PrefilterHit[] = [];
    const seen = new Set<string>();
    if (hits.length > 1) hits.sort((a, b) => a.start - b.start || b.end - a.end || a.pattern - b.pattern);
    for (const h of hits) {
      if (out.length >= this.options.maxHitsPerPolicy) break;
      const start = buf.starts[h.start] as number;
      const end = originalEnd(buf, h.end, text);
      const key = `${h.term}\u0000${start}`;
      if (seen.has(key)) continue; // a term and its variants may hit the same place
      seen.add(key);
      out.push({ term: h.term, start, end });
    }
    return out;
  }

  private activeFor(forumId: string): Uint8Array {
    let active = this.activeByForum.get(forumId);
    if (!active) {
      const applying = new Set(this.policySet.forForum(forumId));
      active = Uint8Array.from(this.policies, (p) => (applying.has(p) ? 1 : 0));
      if (this.activeByForum.size < 10_000) this.activeByForum.set(forumId, active);
    }
    return active;
  }
}

/** The decisions of a forum's policies for a post with no hit. */
interface NoHitDecisions {
  policies: PolicyPrefilterResult[];
  any: boolean;
}

/**
 * The hits that count: keyword hits always; signal and target hits only when the post has
 * both (a signal alone, or a group named in passing, is no reason to call the model).
 */
function qualifying(own: TermHit[]): TermHit[] {
  let signal = false;
  let target = false;
  let keywordOnly = true;
  for (const h of own) {
    if (h.role === TermRole.Signal) signal = true;
    else if (h.role === TermRole.Target) target = true;
    if (h.role !== TermRole.Keyword) keywordOnly = false;
  }
  if (keywordOnly || (signal && target)) return own;
  return own.filter((h) => h.role === TermRole.Keyword);
}

/** Copies go into shared slabs: one small view per post instead of one buffer allocation. */
const SLAB_UNITS = 32 * 1024;
let slab = new Uint16Array(SLAB_UNITS);
let slabUsed = 0;

function keepCodes(codes: Uint16Array, length: number): Uint16Array {
  if (length > SLAB_UNITS >> 3) return codes.slice(0, length);
  if (slabUsed + length > SLAB_UNITS) {
    slab = new Uint16Array(SLAB_UNITS); // the old slab lives on while results still view it
    slabUsed = 0;
  }
  slab.set(codes.subarray(0, length), slabUsed);
  const kept = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return kept;
}

/** The normalised codes of a post, turned into a string on first use. */
class NormalisedCodes {
  private value: string | undefined;
  constructor(private readonly codes: Uint16Array) {}
  get text(): string {
    return (this.value ??= codesToString(this.codes, this.codes.length));
  }
}

class PrefilterMatch implements PrefilterResult {
  constructor(
    readonly policies: PolicyPrefilterResult[],
    readonly anySendToModel: boolean,
    readonly modelText: string,
    readonly truncated: boolean,
    private readonly normalised: NormalisedCodes,
    readonly policySetVersion: string,
  ) {}

  get allowedAtPrefilter(): boolean {
    return !this.anySendToModel;
  }

  get normalisedText(): string {
    return this.normalised.text;
  }

  /** Plain data for logs and JSON: getters are not enumerable. */
  toJSON(): PrefilterResult {
    const { policies, anySendToModel, allowedAtPrefilter, modelText, truncated, normalisedText, policySetVersion } = this;
    return { policies, anySendToModel, allowedAtPrefilter, modelText, truncated, normalisedText, policySetVersion };
  }
}
