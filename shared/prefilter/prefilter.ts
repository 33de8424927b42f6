import type { Policy } from "../policy/policy.js";
import { PolicySet } from "../policy/policy-set.js";
import { cutModelText } from "../text/model-text.js";
import { Matcher, TermRole, bufferText, type LocatedHit } from "./matcher.js";
import { normaliseIntoScratch } from "./normalise.js";
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
    const regexHits = this.matcher.matchRegexes(text, active, this.options.maxHitsPerPolicy);
    const termHits = this.matcher.find(text, active);
    // Most posts: nothing matches, so every decision is known in advance for this forum.
    if (termHits.length === 0 && regexHits.length === 0) return this.noHit(text, forumId, active);

    let perPolicy: LocatedHit[][] | undefined;
    if (termHits.length > 0) {
      perPolicy = this.policies.map(() => []);
      for (const h of termHits) (perPolicy[h.policyIndex] as LocatedHit[]).push(h);
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
      let hits = own === undefined || own.length === 0 ? [] : this.shown(qualifying(own));
      const byRegex = regexPerPolicy?.[i];
      if (byRegex !== undefined && byRegex.length > 0) {
        hits = [...hits, ...byRegex].sort((a, b) => a.start - b.start).slice(0, this.options.maxHitsPerPolicy);
      }
      const send = mode === "all" || hits.length > 0;
      any ||= send;
      const reason = mode === "all" ? "mode-all" : send ? "keyword-hit" : "no-keyword-hit";
      results.push({ policyId: policy.id, policyVersion: policy.version, mode, sendToModel: send, reason, hits });
    }

    return this.result(results, any, text);
  }

  /** The result for a post with no hit: the forum's decisions, known in advance. */
  private noHit(text: string, forumId: string | undefined, active: Uint8Array | undefined): PrefilterResult {
    const none = this.noHitFor(forumId, active);
    return this.result(none.policies, none.any, text);
  }

  private result(policies: PolicyPrefilterResult[], any: boolean, text: string): PrefilterResult {
    const model = cutModelText(text, this.options.maxModelChars);
    return new PrefilterMatch(policies, any, model.text, model.truncated, text, this.policySet.version);
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

  /** The hits shown for a policy: in text order, one per term and start, at most `maxHitsPerPolicy`. */
  private shown(hits: LocatedHit[]): PrefilterHit[] {
    const out: PrefilterHit[] = [];
    const seen = new Set<string>();
    if (hits.length > 1) hits.sort((a, b) => a.sortStart - b.sortStart || b.sortEnd - a.sortEnd || a.pattern - b.pattern);
    for (const h of hits) {
      if (out.length >= this.options.maxHitsPerPolicy) break;
      const key = `${h.term}\u0000${h.start}`;
      if (seen.has(key)) continue; // a term and its variants may hit the same place
      seen.add(key);
      out.push({ term: h.term, start: h.start, end: h.end });
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
// Module-local copies (see the same note in normalise.ts).
const KEYWORD = TermRole.Keyword;
const SIGNAL = TermRole.Signal;
const TARGET = TermRole.Target;

function qualifying(own: LocatedHit[]): LocatedHit[] {
  let signal = false;
  let target = false;
  let keywordOnly = true;
  for (const h of own) {
    if (h.role === SIGNAL) signal = true;
    else if (h.role === TARGET) target = true;
    if (h.role !== KEYWORD) keywordOnly = false;
  }
  if (keywordOnly || (signal && target)) return own;
  return own.filter((h) => h.role === KEYWORD);
}

class PrefilterMatch implements PrefilterResult {
  private normalised: string | undefined;

  constructor(
    readonly policies: PolicyPrefilterResult[],
    readonly anySendToModel: boolean,
    readonly modelText: string,
    readonly truncated: boolean,
    /** The whole post: normalised again only if someone asks (posts allowed here never do). */
    private readonly text: string,
    readonly policySetVersion: string,
  ) {}

  get allowedAtPrefilter(): boolean {
    return !this.anySendToModel;
  }

  get normalisedText(): string {
    return (this.normalised ??= bufferText(normaliseIntoScratch(this.text)));
  }

  /** Plain data for logs and JSON: getters are not enumerable. */
  toJSON(): PrefilterResult {
    const { policies, anySendToModel, allowedAtPrefilter, modelText, truncated, normalisedText, policySetVersion } = this;
    return { policies, anySendToModel, allowedAtPrefilter, modelText, truncated, normalisedText, policySetVersion };
  }
}
