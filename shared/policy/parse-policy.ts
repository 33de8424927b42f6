import { createHash } from "node:crypto";
import { parseFrontMatter, type FrontMatterPath, type FrontMatterValue } from "./front-matter.js";
import { EFFORTS, type Effort } from "./effort.js";
import { POLICY_ACTIONS, PREFILTER_MODES, type Policy, type PolicyAction, type PolicyRule, type PrefilterMode } from "./policy.js";
import { PolicyError } from "./policy-error.js";
import { policyRegexProblem } from "./policy-regex.js";
import { parseDsaMapping } from "./dsa-mapping.js";

const KNOWN_FIELDS = new Set([
  "id",
  "title",
  "version",
  "keywords",
  "signals",
  "targets",
  "regexes",
  "typos",
  "prefilter",
  "reasoning_effort",
  "escalation_threshold",
  "rules",
  "forums",
  "actions",
  "dsa",
]);

/** The policy version: the first 16 hex characters of the SHA-256 of the file's content. */
export function policyVersion(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
}

/**
 * Parses a policy file (Markdown with YAML front matter). Errors are {@link PolicyError}s naming
 * `source`, the field and the line of the offending key or item. The version is computed from
 * the content, never read from it.
 */
export function parsePolicy(text: string, source: string): Policy {
  const { data, body, lineOf } = parseFrontMatter(text, source);
  const err = (field: string, detail: string, at: FrontMatterPath = [field]): never => {
    throw new PolicyError(source, field, detail, lineOf(at));
  };
  for (const key of Object.keys(data)) if (!KNOWN_FIELDS.has(key)) err(key, "unknown field");
  if (data.version !== undefined) err("version", "is computed from the file content and must not be written");

  const str = (field: string, required: boolean): string | undefined => {
    const v = data[field];
    if (v === undefined || v === null) return required ? err(field, "is required") : undefined;
    if (typeof v !== "string" || v.trim().length === 0) return err(field, "must be a non-empty string");
    return v.trim();
  };
  const strList = (field: string): string[] => {
    const v = data[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return err(field, "must be a list");
    return v.map((item, i) => {
      if (typeof item === "number") return String(item);
      if (typeof item !== "string" || item.trim().length === 0) return err(field, `item ${i + 1} must be a non-empty string`, [field, i]);
      return item;
    });
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback: T): T => {
    const v = data[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) return err(field, `must be one of ${allowed.join(", ")}`);
    return v as T;
  };

  const id = str("id", true) as string;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(id)) err("id", "must be lower-case letters, digits, - or _");
  const title = str("title", true) as string;

  const regexes = strList("regexes");
  // Policy regexes run on a linear-time engine (policy-regex.ts): one it cannot run as
  // JavaScript would (a lookaround, a back-reference) is refused here, at validate and push.
  regexes.forEach((r, i) => {
    const problem = policyRegexProblem(r);
    if (problem !== null) err("regexes", `item ${i + 1} ${JSON.stringify(r)} of policy "${id}" cannot be used: ${problem}`, ["regexes", i]);
  });

  const threshold = data.escalation_threshold ?? 0.5;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) err("escalation_threshold", "must be a number from 0 to 1");

  const typos = data.typos ?? false;
  if (typeof typos !== "boolean") err("typos", "must be true or false");

  const rules = parseRules(data.rules, (detail, at = []) => err("rules", detail, ["rules", ...at]));
  const actions = parseActions(data.actions, (detail, at = []) => err("actions", detail, ["actions", ...at]));
  const forums = data.forums === undefined ? ["*"] : strList("forums");
  if (forums.length === 0) err("forums", 'must name at least one forum (or "*")');

  const policy: Policy = {
    id,
    title,
    version: policyVersion(text),
    body,
    keywords: strList("keywords"),
    signals: strList("signals"),
    targets: strList("targets"),
    regexes,
    typos: typos as boolean,
    prefilter: oneOf<PrefilterMode>("prefilter", PREFILTER_MODES, "keywords"),
    // None named: null, and the engine's defaultEffort decides (the pipeline resolves it).
    reasoningEffort: data.reasoning_effort === undefined || data.reasoning_effort === null ? null : oneOf<Effort>("reasoning_effort", EFFORTS, "low"),
    escalationThreshold: threshold as number,
    rules,
    onViolate: actions.onViolate,
    page: actions.page,
    forums,
    source,
  };
  // The Transparency Database mapping (docs/dsa.md): only on policies whose restrictions are reported.
  if (data.dsa !== undefined && data.dsa !== null) policy.dsa = parseDsaMapping(data.dsa, (detail, at = []) => err("dsa", detail, ["dsa", ...at]));
  if (policy.signals.length > 0 && policy.targets.length === 0) err("signals", 'need a "targets" list to pair with');
  if (policy.prefilter === "keywords" && policy.keywords.length + policy.signals.length + policy.regexes.length === 0) {
    err("keywords", 'prefilter mode "keywords" needs keywords, signals or regexes');
  }
  return policy;
}

/** `err` takes the path of the offending item (or key) under `rules`. */
function parseRules(v: FrontMatterValue | undefined, err: (detail: string, at?: FrontMatterPath) => never): PolicyRule[] {
  if (v === undefined || v === null) return err("is required (the rule ids the model may name)");
  if (!Array.isArray(v) || v.length === 0) return err("must be a non-empty list");
  const seen = new Set<string>();
  return v.map((item, i) => {
    let rule: PolicyRule;
    if (typeof item === "string") rule = { id: item, escalate: false };
    else if (item !== null && typeof item === "object" && !Array.isArray(item)) {
      for (const k of Object.keys(item)) if (k !== "id" && k !== "escalate") err(`item ${i + 1}: unknown key "${k}"`, [i, k]);
      if (typeof item.id !== "string") err(`item ${i + 1} needs an "id"`, [i, "id"]);
      if (item.escalate !== undefined && typeof item.escalate !== "boolean") err(`item ${i + 1}: "escalate" must be true or false`, [i, "escalate"]);
      rule = { id: item.id as string, escalate: item.escalate === true };
    } else return err(`item ${i + 1} must be a rule id or {id, escalate}`, [i]);
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(rule.id)) err(`item ${i + 1}: bad rule id "${rule.id}"`, [i, "id"]);
    if (seen.has(rule.id)) err(`duplicate rule id "${rule.id}"`, [i, "id"]);
    seen.add(rule.id);
    return rule;
  });
}

/** `actions`: one of hide, review, banner, plus `page` if wanted; a single word or a list. Default: hide. */
function parseActions(v: FrontMatterValue | undefined, err: (detail: string, at?: FrontMatterPath) => never): { onViolate: PolicyAction; page: boolean } {
  if (v === undefined || v === null) return { onViolate: "hide", page: false };
  const items = Array.isArray(v) ? v : [v];
  const allowed = [...POLICY_ACTIONS, "page"];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const at = Array.isArray(v) ? [i] : [];
    if (typeof item !== "string" || !allowed.includes(item)) err(`item ${i + 1} must be one of ${allowed.join(", ")}`, at);
    if (seen.has(item as string)) err(`"${item as string}" is listed twice`, at);
    seen.add(item as string);
  });
  const onViolate = POLICY_ACTIONS.filter((a) => seen.has(a));
  if (onViolate.length !== 1) err(`must name exactly one of ${POLICY_ACTIONS.join(", ")} (and "page" if a counsellor is to be paged)`);
  return { onViolate: onViolate[0]!, page: seen.has("page") };
}
