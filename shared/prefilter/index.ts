export { normalise, type NormalisedText } from "./normalise.js";
export { AhoCorasick } from "./aho-corasick.js";
export { compileTerm, typoVariants, type CompiledTerm } from "./term.js";
export { Prefilter } from "./prefilter.js";
export { LivePrefilter } from "./live-prefilter.js";
export type { PrefilterOptions } from "./prefilter-options.js";
export { DEFAULT_MAX_MODEL_CHARS, DEFAULT_MAX_HITS_PER_POLICY } from "./prefilter-options.js";
export type { PrefilterResult, PolicyPrefilterResult, PrefilterHit, PrefilterReason } from "./prefilter-result.js";
