import type { Effort } from "./effort.js";
import type { DsaMapping } from "./dsa-mapping.js";

/** How the prefilter treats a policy. */
export type PrefilterMode = "keywords" | "all" | "off";
export const PREFILTER_MODES: readonly PrefilterMode[] = ["keywords", "all", "off"];

/**
 * What a policy asks for when it says violate: hide the post, only raise a ticket, or show a
 * crisis-line banner. The one definition (the records and the pipeline import it).
 */
export const POLICY_ACTIONS = ["hide", "review", "banner"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** An output rule of a policy (e.g. `SP4`), as the model may name it in a verdict. */
export interface PolicyRule {
  id: string;
  /** A verdict naming this rule goes to a human/the escalation stage whatever its confidence. */
  escalate: boolean;
}

/** A content policy: Markdown body for the model, front matter for the pipeline. */
export interface Policy {
  id: string;
  title: string;
  /** First 16 hex characters of the SHA-256 of the whole file: every verdict names it. */
  version: string;
  /** The Markdown body after the front matter: the text the model is given. */
  body: string;
  /**
   * Prefilter terms that send a post to the model on their own. Syntax: `word` whole word,
   * `word*` prefix, `*word` suffix, `*word*` anywhere; CJK/Thai terms match anywhere.
   */
  keywords: string[];
  /**
   * Terms that only count when a {@link Policy.targets} term is also present in the post
   * ("disgusting" alone is not hate; "disgusting" with "immigrants" may be).
   */
  signals: string[];
  /** Who a {@link Policy.signals} term must be about for it to count (groups, identities). */
  targets: string[];
  /**
   * Regular expressions (JavaScript syntax) run case-insensitively over the ORIGINAL text
   * (URLs, file names, money patterns need the text as written). Written by policy authors,
   * so trusted: avoid nested quantifiers, the prefilter runs on every post.
   */
  regexes: string[];
  /** Also match common misspellings (one inner letter dropped or two swapped) of single words. */
  typos: boolean;
  prefilter: PrefilterMode;
  /** Front matter `reasoning_effort`; null when it names none: the engine's `defaultEffort` then. */
  reasoningEffort: Effort | null;
  /** A verdict whose confidence is below this escalates. 0..1. */
  escalationThreshold: number;
  rules: PolicyRule[];
  /** Front matter `actions` (default `hide`): what a violation does to the post. */
  onViolate: PolicyAction;
  /** Front matter `actions` lists `page`: a violation pages the on-call counsellor. */
  page: boolean;
  /** Forum ids the policy applies to; `"*"` means every forum. */
  forums: string[];
  /** Front matter `dsa`: how its restrictions are reported to the EU Transparency Database (absent: not mapped). */
  dsa?: DsaMapping;
  /** Where the policy was read from (file path), for error messages. */
  source: string;
}
