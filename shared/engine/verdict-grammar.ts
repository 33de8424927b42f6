import { LlamaGrammar, type Llama } from "node-llama-cpp";
import type { VerdictDecision } from "../policy/verdict-decision.js";

/** One verdict as the model writes it in the final channel. */
export interface RawVerdict {
  readonly decision: VerdictDecision;
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

/** What the model samples in one free part of the verdict. */
export type VerdictPartKind = "label" | "rule-ids" | "rationale";

/** One free part of the verdict: fixed text injected before it, then sampling under its grammar. */
export interface VerdictPart {
  readonly kind: VerdictPartKind;
  /** Fixed JSON text before the part (`{"decision":"`, `","rule_ids":[`...), evaluated, not sampled. */
  readonly forced: string;
  /** GBNF of the part; it ends where the part's closing character is sampled. */
  readonly gbnf: string;
}

/** The verdict as forced text and free parts; `trailer` closes the JSON (never evaluated). */
export interface VerdictPlan {
  readonly parts: readonly VerdictPart[];
  readonly trailer: string;
}

const CHAR = String.raw`char ::= [^"\\\x00-\x1F\x7F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`;
const ANY_ID = String.raw`anyid ::= "\"" [A-Za-z0-9_.:-]{1,32} "\""`;

/**
 * The verdict as compact JSON (no whitespace, keys in a fixed order),
 * `{"decision":"violate"|"allow","rule_ids":[...],"rationale":"..."}`, or in combined mode
 * `{"<policy id>":{...},...}`, split into fixed text and free parts. Only the free parts are
 * sampled (each under its own small grammar); the fixed text between them is injected in one
 * evaluation instead of one decode step per token. node-llama-cpp's JSON-schema grammar would
 * also let the model pretty-print, each newline and indent another decode step. `decision`
 * comes first, so the label is chosen before any free text.
 */
export function planVerdict(policies: readonly GrammarPolicy[], limits: VerdictLimits): VerdictPlan {
  if (policies.length === 0) throw new Error("a verdict needs at least one policy");
  const combined = policies.length > 1;
  const parts: VerdictPart[] = [];
  let pending = ""; // fixed text waiting to be injected before the next free part
  policies.forEach((policy, index) => {
    pending += combined ? `${index === 0 ? "{" : "},"}${JSON.stringify(policy.id)}:{"decision":"` : '{"decision":"';
    parts.push({ kind: "label", forced: pending, gbnf: 'root ::= "violate" | "allow"' });
    pending = '","rule_ids":[';
    if (limits.maxRuleIds > 0) {
      const known = policy.ruleIds !== undefined && policy.ruleIds.length > 0;
      const id = known ? "rid" : "anyid";
      const rules = [
        `root ::= (${id} ("," ${id}){0,${limits.maxRuleIds - 1}})? "]"`,
        known ? `rid ::= ${policy.ruleIds!.map((ruleId) => literal(JSON.stringify(ruleId))).join(" | ")}` : ANY_ID,
      ];
      parts.push({ kind: "rule-ids", forced: pending, gbnf: rules.join("\n") });
      pending = "";
    } else {
      pending += "]";
    }
    pending += ',"rationale":"';
    parts.push({ kind: "rationale", forced: pending, gbnf: [`root ::= char{0,${limits.rationaleMaxChars}} "\\""`, CHAR].join("\n") });
    pending = "";
  });
  return { parts, trailer: combined ? "}}" : "}" };
}

/** True once a part's sampled text is complete (its grammar allows nothing more). */
export function isPartComplete(kind: VerdictPartKind, text: string): boolean {
  if (kind === "label") return text === "violate" || text === "allow";
  if (kind === "rule-ids") return text.endsWith("]"); // ids hold no "]": the charset and the enum quotes exclude it
  // The rationale ends at a quote that is not escaped (an even run of backslashes before it).
  const match = /(\\*)"$/.exec(text);
  return match !== null && (match[1]?.length ?? 0) % 2 === 0;
}

/** A GBNF string literal. */
function literal(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`).replace(/\n/g, "\\n")}"`;
}

/** Compiles (and caches) the grammars of verdict parts; compiled once, not per post. */
export class VerdictGrammars {
  private readonly cache = new Map<string, LlamaGrammar>();

  constructor(
    private readonly llama: Llama,
    private readonly limits: VerdictLimits,
  ) {}

  /** The plan for these policies, with each part's compiled grammar. */
  forPolicies(policies: readonly GrammarPolicy[]): { plan: VerdictPlan; grammars: LlamaGrammar[] } {
    const plan = planVerdict(policies, this.limits);
    return { plan, grammars: plan.parts.map((part) => this.compile(part.gbnf)) };
  }

  private compile(gbnf: string): LlamaGrammar {
    let grammar = this.cache.get(gbnf);
    if (grammar === undefined) {
      grammar = new LlamaGrammar(this.llama, { grammar: gbnf });
      // Policies come and go with edits; a small cache bounds memory without a policy registry here.
      if (this.cache.size >= 256) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(gbnf, grammar);
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
