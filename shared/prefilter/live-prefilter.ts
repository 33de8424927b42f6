import type { PolicySet } from "../policy/policy-set.js";
import { Prefilter } from "./prefilter.js";
import type { PrefilterOptions } from "./prefilter-options.js";

/**
 * Holds the prefilter for the policies in force and swaps it when they change. The new
 * automaton is fully built before the reference moves, so a post is always matched against
 * one complete policy-set version, never a half-built one.
 */
export class LivePrefilter {
  private prefilter: Prefilter;

  constructor(
    set: PolicySet,
    private readonly options?: PrefilterOptions,
  ) {
    this.prefilter = new Prefilter(set, options);
  }

  /** The prefilter in force. Keep the returned value for the whole of one post. */
  get current(): Prefilter {
    return this.prefilter;
  }

  /** Replaces the prefilter if the set's version differs; returns whether it did. */
  update(set: PolicySet): boolean {
    if (set.version === this.prefilter.version) return false;
    this.prefilter = new Prefilter(set, this.options);
    return true;
  }
}
