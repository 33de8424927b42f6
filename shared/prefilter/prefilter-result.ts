import type { PrefilterMode } from "../policy/policy.js";

/** A term found in a post, with offsets into the ORIGINAL text (UTF-16, end exclusive). */
export interface PrefilterHit {
  /** The term as written in the policy. */
  term: string;
  start: number;
  end: number;
}

/** Why the prefilter decided what it did for one policy. */
export type PrefilterReason =
  /** Mode `keywords` and a keyword (or a signal with a target) was found. */
  | "keyword-hit"
  /** Mode `keywords` and nothing was found: allowed at the prefilter stage. */
  | "no-keyword-hit"
  /** Mode `all`: every post goes to the model. */
  | "mode-all"
  /** Mode `off`: the policy is not applied. */
  | "mode-off";

/** The prefilter's decision for one policy. */
export interface PolicyPrefilterResult {
  policyId: string;
  policyVersion: string;
  mode: PrefilterMode;
  sendToModel: boolean;
  reason: PrefilterReason;
  hits: PrefilterHit[];
}

/** The prefilter's decision for one post. */
export interface PrefilterResult {
  /** One entry per policy that applies to the post's forum, in policy id order. */
  policies: PolicyPrefilterResult[];
  /** At least one policy sends the post to the model. */
  anySendToModel: boolean;
  /** No policy sends the post to the model: the post is allowed at the prefilter stage. */
  readonly allowedAtPrefilter: boolean;
  /** The text for the model: the post, capped at `maxModelChars`. */
  modelText: string;
  /** `modelText` is shorter than the post. */
  truncated: boolean;
  /**
   * The normalised text (the input of a verdict-cache key: obfuscated repeats share it).
   * Built on first read.
   */
  readonly normalisedText: string;
  /** Version of the policy set the prefilter was built from. */
  policySetVersion: string;
}
