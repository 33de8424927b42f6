import { EFFORTS, type Effort } from "../policy/effort.js";
import type { PolicyInput } from "./prompt-builder.js";
import { ContextPlanError } from "./errors/context-plan-error.js";

/**
 * Characters per token the plan assumes of post text: a lower bound for Latin-script text under
 * o200k_harmony (English averages about 4, German and Spanish about 3.5). Denser text (Chinese,
 * Japanese: about 1 to 1.5) can hold more tokens than planned; such a window fails as an engine
 * input error at run time, never silently (`EngineInputError`).
 */
export const DEFAULT_POST_CHARS_PER_TOKEN = 2.5; // the default of the engine option `postCharsPerToken`

/** Room for the channel header and the verdict's fixed JSON text, as the engine reserves it. */
export const CONTEXT_MARGIN_TOKENS = 64;

/** What the plan needs of a model: its own token count of a prompt, and the budgets it runs with. */
export interface PromptMeasure {
  /** Tokens of the whole prompt for these policies at this effort, with an empty post. */
  promptTokens(policies: readonly PolicyInput[], effort: Effort): number;
  /** Analysis-channel tokens at this effort (0 for a model without harmony's channels). */
  reasoningTokens(effort: Effort): number;
  /** The verdict's budget (the final channel). */
  readonly verdictTokens: number;
  /** Tokens per sequence. */
  readonly contextSize: number;
}

/** The post budget in tokens: the long-post window (`pipeline.maxModelChars`) over the chars-per-token bound. */
export function postBudgetTokens(maxModelChars: number, charsPerToken: number = DEFAULT_POST_CHARS_PER_TOKEN): number {
  return Math.ceil(maxModelChars / charsPerToken);
}

/** One call's plan: which policies, at which effort, and what it needs of the context. */
export interface ContextPlanRow {
  policies: string[];
  effort: Effort;
  promptTokens: number;
  postTokens: number;
  reasoningTokens: number;
  verdictTokens: number;
  marginTokens: number;
  total: number;
  contextSize: number;
  /** Tokens short of fitting (0 when it fits). */
  shortfall: number;
}

/** Which calls a worker makes: each policy alone at its effort, and/or all of them in one call at the highest. */
export interface ContextPlanCalls {
  policies: readonly PolicyInput[];
  /** Efforts each policy runs at; unset: its own (or `defaultEffort`). The escalation role runs at `["high"]`. */
  efforts?: readonly Effort[];
  defaultEffort: Effort;
  /** Whether calls are combined (one call with every policy, at the highest effort of them). */
  combined: boolean;
  maxModelChars: number;
  charsPerToken?: number;
}

function highest(efforts: readonly Effort[]): Effort {
  return efforts.reduce((a, b) => (EFFORTS.indexOf(b) > EFFORTS.indexOf(a) ? b : a), "low");
}

/**
 * For each policy and each effort it runs at: prompt tokens + post budget + reasoning budget +
 * verdict (+ the engine's margin) against the context. Pure, given the measure.
 */
export function planContext(measure: PromptMeasure, calls: ContextPlanCalls): ContextPlanRow[] {
  const postTokens = postBudgetTokens(calls.maxModelChars, calls.charsPerToken);
  const row = (policies: readonly PolicyInput[], effort: Effort): ContextPlanRow => {
    const promptTokens = measure.promptTokens(policies, effort);
    const reasoningTokens = measure.reasoningTokens(effort);
    const total = promptTokens + postTokens + reasoningTokens + measure.verdictTokens + CONTEXT_MARGIN_TOKENS;
    return {
      policies: policies.map((p) => p.id),
      effort,
      promptTokens,
      postTokens,
      reasoningTokens,
      verdictTokens: measure.verdictTokens,
      marginTokens: CONTEXT_MARGIN_TOKENS,
      total,
      contextSize: measure.contextSize,
      shortfall: Math.max(0, total - measure.contextSize),
    };
  };
  const effortsOf = (policy: PolicyInput): readonly Effort[] => calls.efforts ?? [policy.effort ?? calls.defaultEffort];
  const rows: ContextPlanRow[] = [];
  for (const policy of calls.policies) for (const effort of effortsOf(policy)) rows.push(row([policy], effort));
  if (calls.combined && calls.policies.length > 1) {
    const efforts = calls.policies.flatMap(effortsOf);
    rows.push(row(calls.policies, highest(efforts)));
  }
  return rows;
}

/** One line per call that does not fit: the policy, the effort and the shortfall. */
export function contextPlanErrors(rows: readonly ContextPlanRow[], where: string): string[] {
  return rows
    .filter((r) => r.shortfall > 0)
    .map(
      (r) =>
        `${where}: policy ${r.policies.join("+")} at effort ${r.effort} needs ${r.total} tokens ` +
        `(prompt ${r.promptTokens} + post ${r.postTokens} + reasoning ${r.reasoningTokens} + verdict ${r.verdictTokens} + margin ${r.marginTokens}) ` +
        `but the context holds ${r.contextSize}: short by ${r.shortfall}`,
    );
}

/** What a role's settings say about its calls (the config's `pipeline` and its engine section). */
export interface RoleCallSettings {
  role: "primary" | "escalation";
  /** `pipeline.effort`: one effort for every call, over the policies' own. */
  effortOverride: Effort | null;
  /** `pipeline.combinePolicies`, or the engine's `multiPolicyMode: combined`. */
  combined: boolean;
  maxModelChars: number;
  defaultEffort: Effort;
  charsPerToken: number;
}

/** The calls a role makes: the primary at each policy's effort (or the override), the escalation role at high (or the override). */
export function roleCalls(policies: readonly PolicyInput[], settings: RoleCallSettings): ContextPlanCalls {
  const escalationEffort: Effort = settings.effortOverride ?? "high";
  const efforts = settings.role === "escalation" ? [escalationEffort] : settings.effortOverride === null ? undefined : [settings.effortOverride];
  return {
    policies,
    ...(efforts === undefined ? {} : { efforts }),
    defaultEffort: settings.defaultEffort,
    combined: settings.combined,
    maxModelChars: settings.maxModelChars,
    charsPerToken: settings.charsPerToken,
  };
}

/** The settings the plan reads, as the config holds them (any object of this shape, `ArbiterConfig` included). */
export interface ContextPlanConfig {
  pipeline: { effort: Effort | null; combinePolicies: boolean; maxModelChars: number };
  engine: { defaultEffort: Effort; multiPolicyMode: "separate" | "combined"; postCharsPerToken: number };
  escalationEngine: { defaultEffort: Effort; multiPolicyMode: "separate" | "combined"; postCharsPerToken: number };
}

/** A role's call settings from the config. */
export function roleCallSettings(config: ContextPlanConfig, role: "primary" | "escalation"): RoleCallSettings {
  const engine = role === "primary" ? config.engine : config.escalationEngine;
  return {
    role,
    effortOverride: config.pipeline.effort,
    combined: config.pipeline.combinePolicies || engine.multiPolicyMode === "combined",
    maxModelChars: config.pipeline.maxModelChars,
    defaultEffort: engine.defaultEffort,
    charsPerToken: engine.postCharsPerToken,
  };
}

/** A policy as a call sends it: its body under its effort. */
export function policyInputOf(policy: {
  id: string;
  version: string;
  body: string;
  reasoningEffort: Effort | null;
  rules: readonly { id: string }[];
}): PolicyInput {
  // A policy naming no effort runs at the role's engine.defaultEffort (the plan's defaultEffort).
  return {
    id: policy.id,
    version: policy.version,
    text: policy.body,
    ...(policy.reasoningEffort === null ? {} : { effort: policy.reasoningEffort }),
    ruleIds: policy.rules.map((r) => r.id),
  };
}

/** The role's plan for these policies; throws {@link ContextPlanError} naming each call that does not fit. */
export function assertContextPlan(
  measure: PromptMeasure,
  policies: readonly PolicyInput[],
  config: ContextPlanConfig,
  role: "primary" | "escalation",
): ContextPlanRow[] {
  const rows = planContext(measure, roleCalls(policies, roleCallSettings(config, role)));
  const errors = contextPlanErrors(rows, role === "primary" ? "engine" : "escalationEngine");
  if (errors.length > 0) throw new ContextPlanError(errors);
  return rows;
}
