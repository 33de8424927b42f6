import type { GbnfJsonSchema, Llama, LlamaGrammar } from "node-llama-cpp";
import type { Decision } from "./confidence.js";

/** One verdict as the model writes it in the final channel. */
export interface RawVerdict {
  readonly decision: Decision;
  readonly ruleIds: string[];
  readonly rationale: string;
}

/** Limits the grammar enforces, so that generation always ends. */
export interface VerdictLimits {
  readonly rationaleMaxChars: number;
  readonly maxRuleIds: number;
}

/** A policy as the grammar sees it: its id, and its rule ids when known (then the only allowed ones). */
export interface GrammarPolicy {
  readonly id: string;
  readonly ruleIds?: readonly string[];
}

/**
 * JSON schema of one verdict: `{"decision": "violate"|"allow", "rule_ids": string[], "rationale": string}`.
 * `decision` comes first so that the label is chosen before any free text, where its
 * token probabilities are read.
 */
export function verdictSchema(policy: GrammarPolicy, limits: VerdictLimits): GbnfJsonSchema {
  const ruleItem: GbnfJsonSchema =
    policy.ruleIds !== undefined && policy.ruleIds.length > 0 ? { enum: [...policy.ruleIds] } : { type: "string", minLength: 1, maxLength: 32 };
  return {
    type: "object",
    properties: {
      decision: { enum: ["violate", "allow"] },
      rule_ids: { type: "array", items: ruleItem, maxItems: limits.maxRuleIds },
      rationale: { type: "string", maxLength: limits.rationaleMaxChars },
    },
  } as GbnfJsonSchema;
}

/** JSON schema of the combined mode: one verdict object per policy id, in the given order. */
export function combinedVerdictSchema(policies: readonly GrammarPolicy[], limits: VerdictLimits): GbnfJsonSchema {
  return { type: "object", properties: Object.fromEntries(policies.map((policy) => [policy.id, verdictSchema(policy, limits)])) } as GbnfJsonSchema;
}

/** Builds (and caches per schema) the grammar objects; grammars are compiled once, not per post. */
export class VerdictGrammars {
  private readonly cache = new Map<string, LlamaGrammar>();

  constructor(private readonly llama: Llama, private readonly limits: VerdictLimits) {}

  async forPolicies(policies: readonly GrammarPolicy[]): Promise<LlamaGrammar> {
    const schema = policies.length === 1 && policies[0] !== undefined ? verdictSchema(policies[0], this.limits) : combinedVerdictSchema(policies, this.limits);
    const key = JSON.stringify(schema);
    let grammar = this.cache.get(key);
    if (grammar === undefined) {
      // The schema is built at run time, so its literal type cannot be inferred: widen it for the call.
      grammar = await this.llama.createGrammarForJsonSchema(schema as Parameters<Llama["createGrammarForJsonSchema"]>[0]);
      // Policies come and go with edits; a small cache bounds memory without a policy registry here.
      if (this.cache.size >= 256) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, grammar);
    }
    return grammar;
  }
}

/**
 * Parses final-channel text into verdicts, one per policy (in policy order).
 * Throws with a reason when the text is not a complete verdict; the caller turns that into an output error.
 */
export function parseVerdicts(text: string, policies: readonly GrammarPolicy[]): RawVerdict[] {
  const value: unknown = JSON.parse(text);
  if (policies.length === 1) return [toVerdict(value)];
  if (!isRecord(value)) throw new Error("combined output is not an object");
  return policies.map((policy) => toVerdict(value[policy.id]));
}

function toVerdict(value: unknown): RawVerdict {
  if (!isRecord(value)) throw new Error("verdict is not an object");
  const { decision, rule_ids: ruleIds, rationale } = value;
  if (decision !== "violate" && decision !== "allow") throw new Error("decision is neither violate nor allow");
  if (!Array.isArray(ruleIds) || !ruleIds.every((id) => typeof id === "string")) throw new Error("rule_ids is not a list of strings");
  if (typeof rationale !== "string") throw new Error("rationale is not a string");
  // Repeats add nothing for a moderator (small models loop on lists).
  return { decision, ruleIds: [...new Set(ruleIds as string[])], rationale: firstSentences(rationale.trim(), 2) };
}

/** Moderators get at most `count` sentences; the grammar bounds length, this bounds verbosity. */
export function firstSentences(text: string, count: number): string {
  const sentences = text.match(/[^.!?]+(?:[.!?]+|$)/g) ?? [];
  return sentences.slice(0, count).join("").trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
