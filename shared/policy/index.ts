export type { Policy, PolicyAction, PolicyRule, PrefilterMode, ReasoningEffort } from "./policy.js";
export { POLICY_ACTIONS, PREFILTER_MODES, REASONING_EFFORTS } from "./policy.js";
export { ruleTexts } from "./rule-texts.js";
export { PolicyError } from "./policy-error.js";
export { parseFrontMatter, type FrontMatterValue, type FrontMatterDocument, type FrontMatterPath } from "./front-matter.js";
export { parsePolicy, policyVersion } from "./parse-policy.js";
export { PolicySet } from "./policy-set.js";
export { loadPolicyDir, loadPolicySet, readPolicyDir, type PolicyFile } from "./load-policy-dir.js";
