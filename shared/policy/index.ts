export type { Policy, PolicyAction, PolicyRule, PrefilterMode } from "./policy.js";
export { POLICY_ACTIONS, PREFILTER_MODES } from "./policy.js";
export { EFFORTS, type Effort } from "./effort.js";
export { ruleTexts } from "./rule-texts.js";
export { PolicyError } from "./policy-error.js";
export { parseFrontMatter, type FrontMatterValue, type FrontMatterDocument, type FrontMatterPath } from "./front-matter.js";
export { parsePolicy, policyVersion } from "./parse-policy.js";
export { PolicySet } from "./policy-set.js";
export { loadPolicyDir, loadPolicySet, readPolicyDir, type PolicyFile } from "./load-policy-dir.js";
