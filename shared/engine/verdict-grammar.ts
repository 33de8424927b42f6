import { LlamaGrammar, type Llama } from "node-llama-cpp";
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
 * The verdict grammar in GBNF, for compact JSON (no whitespace, keys in a fixed order):
 * `{"decision":"violate"|"allow","rule_ids":[...],"rationale":"..."}`, or in combined mode
 * `{"<policy id>":{...},...}`. Written by hand rather than from a JSON schema because
 * node-llama-cpp's schema grammar lets the model pretty-print, and every newline and indent is
 * a decode step; and because the fixed text before the first label (`{"decision":"`) can then
 * be injected with the prompt instead of sampled token by token (`scaffold`). The grammar
 * starts right after the scaffold. `decision` comes first so the label is chosen before any free text.
 */
export function verdictGrammarText(policies: readonly GrammarPolicy[], limits: VerdictLimits): { scaffold: string; gbnf: string } {
  const rules = [
    String.raw`char ::= [^"\\\x00-\x1F\x7F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`,
    `label ::= "violate" | "allow"`,
    `rationale ::= char{0,${limits.rationaleMaxChars}}`,
    String.raw`anyid ::= "\"" [A-Za-z0-9_.:-]{1,32} "\""`,
  ];
  const body = (policy: GrammarPolicy, index: number): string => {
    const ruleId = policy.ruleIds !== undefined && policy.ruleIds.length > 0 ? `rid${index}` : "anyid";
    if (ruleId !== "anyid") rules.push(`${ruleId} ::= ${policy.ruleIds!.map((id) => literal(JSON.stringify(id))).join(" | ")}`);
    const list = limits.maxRuleIds === 0 ? "" : limits.maxRuleIds === 1 ? `${ruleId}?` : `(${ruleId} ("," ${ruleId}){0,${limits.maxRuleIds - 1}})?`;
    return `label ${literal('","rule_ids":[')} ${list} ${literal('],"rationale":"')} rationale ${literal('"}')}`;
  };
  if (policies.length === 1 && policies[0] !== undefined) {
    return { scaffold: '{"decision":"', gbnf: [`root ::= ${body(policies[0], 0)}`, ...rules].join("\n") };
  }
  const parts = policies.map((policy, index) => (index === 0 ? body(policy, 0) : `${literal(`,${JSON.stringify(policy.id)}:{"decision":"`)} ${body(policy, index)}`));
  const first = policies[0];
  if (first === undefined) throw new Error("a verdict grammar needs at least one policy");
  return { scaffold: `{${JSON.stringify(first.id)}:{"decision":"`, gbnf: [`root ::= ${parts.join(" ")} "}"`, ...rules].join("\n") };
}

/** A GBNF string literal. */
function literal(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`).replace(/\n/g, "\\n")}"`;
}

/** A compiled verdict grammar and the text to inject before it. */
export interface VerdictGrammar {
  readonly grammar: LlamaGrammar;
  readonly scaffold: string;
}

/** Builds (and caches per policy set) the grammars; compiled once, not per post. */
export class VerdictGrammars {
  private readonly cache = new Map<string, VerdictGrammar>();

  constructor(private readonly llama: Llama, private readonly limits: VerdictLimits) {}

  forPolicies(policies: readonly GrammarPolicy[]): VerdictGrammar {
    const { scaffold, gbnf } = verdictGrammarText(policies, this.limits);
    let entry = this.cache.get(gbnf);
    if (entry === undefined) {
      entry = { grammar: new LlamaGrammar(this.llama, { grammar: gbnf }), scaffold };
      // Policies come and go with edits; a small cache bounds memory without a policy registry here.
      if (this.cache.size >= 256) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(gbnf, entry);
    }
    return entry;
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
