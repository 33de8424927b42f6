import type { Policy } from "../policy/policy.js";
import { PolicySet } from "../policy/policy-set.js";
import { Matcher, TermRole, type TermHit } from "./matcher.js";
import { codesToString, normaliseIntoScratch } from "./normalise.js";
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
    // Read the scratch buffer before anything else can reuse it.
    const normalisedText = codesToString(buf.codes, buf.length);
    const termHits = this.matcher.match(buf, active, () => normalisedText);
    const starts = buf.starts;
    const ends = buf.ends;

    const perPolicy: TermHit[][] = this.policies.map(() => []);
    for (const h of termHits) (perPolicy[h.policyIndex] as TermHit[]).push(h);

    const results: PolicyPrefilterResult[] = [];
    let any = false;
    this.policies.forEach((policy, i) => {
      if (active !== undefined && active[i] === 0) return;
      const base = { policyId: policy.id, policyVersion: policy.version, mode: policy.prefilter };
      if (policy.prefilter === "off") {
        results.push({ ...base, sendToModel: false, reason: "mode-off", hits: [] });
        return;
      }
      const own = perPolicy[i] as TermHit[];
      let qualifying = own.filter((h) => h.role === TermRole.Keyword);
      const hasTarget = own.some((h) => h.role === TermRole.Target);
      const hasSignal = own.some((h) => h.role === TermRole.Signal);
      if (hasTarget && hasSignal) qualifying = own;
      const hits = this.toOriginal(qualifying, starts, ends);
      if (policy.prefilter === "all") {
        any = true;
        results.push({ ...base, sendToModel: true, reason: "mode-all", hits });
        return;
      }
      const send = hits.length > 0;
      any ||= send;
      results.push({ ...base, sendToModel: send, reason: send ? "keyword-hit" : "no-keyword-hit", hits });
    });

    let cut = text.length;
    if (cut > this.options.maxModelChars) {
      cut = this.options.maxModelChars;
      // Never split a surrogate pair: the model would get a lone half.
      const c = text.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
    }
    return {
      policies: results,
      anySendToModel: any,
      allowedAtPrefilter: !any,
      modelText: cut === text.length ? text : text.slice(0, cut),
      truncated: cut < text.length,
      normalisedText,
      policySetVersion: this.policySet.version,
    };
  }

  private toOriginal(hits: TermHit[], starts: Int32Array, ends: Int32Array): PrefilterHit[] {
    const out: PrefilterHit[] = [];
    const seen = new Set<string>();
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    for (const h of hits) {
      if (out.length >= this.options.maxHitsPerPolicy) break;
      const start = starts[h.start] as number;
      const end = ends[h.end - 1] as number;
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
