import { proportion, type Proportion } from "../stats/proportion.js";
import type { LabelledCase } from "./labelled-sets.js";

/** What a keyword stage did with a labelled set. */
export interface FunnelScore {
  posts: number;
  harmful: number;
  /** Share of all posts sent to the model. */
  pass: Proportion;
  /** Share of harmful posts sent. */
  recall: Proportion;
  /** Share of harmless posts sent: the model's cost on benign traffic. */
  harmlessPass: Proportion;
}

/** Scores `sent` (did this case go to the model?) over labelled cases, with 95 % Wilson intervals. */
export function scoreFunnel(cases: readonly LabelledCase[], sent: (c: LabelledCase) => boolean): FunnelScore {
  let passed = 0;
  let harmful = 0;
  let harmfulPassed = 0;
  for (const c of cases) {
    const s = sent(c);
    if (s) passed++;
    if (c.harmful) {
      harmful++;
      if (s) harmfulPassed++;
    }
  }
  return {
    posts: cases.length,
    harmful,
    pass: proportion(passed, cases.length),
    recall: proportion(harmfulPassed, harmful),
    harmlessPass: proportion(passed - harmfulPassed, cases.length - harmful),
  };
}
