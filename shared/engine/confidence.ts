import type { Token } from "node-llama-cpp";
import { VERDICT_DECISIONS, type VerdictDecision } from "../policy/verdict-decision.js";

/** The decision the model emitted and how much of its probability it gave each label. */
export interface MeasuredDecision {
  readonly decision: VerdictDecision;
  /** p(decision) / (p(violate) + p(allow)) at the token that chose the label, 0..1. */
  readonly confidence: number;
  /**
   * Probability mass of tokens that commit to each label at that step, normalised over the
   * distribution read (the engine reads only the label candidates, so the two sum to ~1).
   */
  readonly mass: Readonly<Record<VerdictDecision, number>>;
}

const TAIL_MASS = 1e-5;

// Where a decision value starts in the final-channel JSON, whatever whitespace the grammar allowed.
const DECISION_KEY = /"decision"\s*:\s*"/g;

/**
 * Reads the model's confidence from token probabilities, not from anything it writes.
 * Fed every final-channel step while a decision is pending, it finds the step whose sampled
 * token first commits to a label (the first token where "violate" and "allow" differ —
 * `"v`, `viol`, ` "allow`... any tokenization), sums the probability of every candidate token
 * that commits to each label at that step, and normalises over the two labels.
 * Handles several decisions in one output (combined multi-policy mode), in order.
 */
export class DecisionTracker {
  private readonly found: MeasuredDecision[] = [];

  constructor(private readonly expected: number) {}

  /** True while fewer decisions than expected have been seen. */
  get pending(): boolean {
    return this.found.length < this.expected;
  }

  /** The decisions measured so far, in output order. */
  get decisions(): readonly MeasuredDecision[] {
    return this.found;
  }

  /**
   * @param before - final-channel text before this step
   * @param chosen - text of the token sampled at this step
   * @param probabilities - the step's next-token distribution (grammar-restricted or raw: only
   *   tokens that spell a label count, and the ratio does not change with renormalisation)
   * @param spell - text of a candidate token in this position
   * @param labels - memo of each candidate token's label, valid only for this `before`, decision
   *   index and spelling context (the same at every post's decision step, so a reused memo
   *   spares spelling the distribution's long tail again; the result is the same)
   */
  observe(before: string, chosen: string, probabilities: ReadonlyMap<Token, number>, spell: (token: Token) => string, labels?: LabelMemo): void {
    if (!this.pending) return;
    const index = this.found.length;
    const label = labelAt(before + chosen, index);
    if (label === undefined || labelAt(before, index) !== undefined) return;
    const mass: Record<VerdictDecision, number> = { violate: 0, allow: 0 };
    // The map is sorted by probability. A raw distribution gives every token of a 262k vocabulary
    // some mass, so spelling them all took seconds: stop once all but 1e-5 of the mass is seen
    // (the confidence can move by at most that much).
    let seen = 0;
    for (const [token, probability] of probabilities) {
      if (!(probability > 0) || seen >= 1 - TAIL_MASS) break;
      seen += probability;
      const candidate = labels === undefined ? labelAt(before + spell(token), index) : labels.get(token, () => labelAt(before + spell(token), index));
      if (candidate !== undefined) mass[candidate] += probability;
    }
    const total = mass.violate + mass.allow;
    // total > 0 whenever the chosen token was in the map; a map without it is a sampler bug.
    if (!(total > 0)) throw new Error("decision token missing from its own probability distribution");
    this.found.push({ decision: label, confidence: mass[label] / total, mass });
  }
}

/** The label the `index`-th decision value in `text` is committed to, if its first letters are there. */
export function labelAt(text: string, index: number): VerdictDecision | undefined {
  let match: RegExpExecArray | null;
  let seen = 0;
  DECISION_KEY.lastIndex = 0;
  while ((match = DECISION_KEY.exec(text)) !== null) {
    if (seen++ < index) continue;
    const rest = text.slice(match.index + match[0].length);
    if (rest.length === 0) return undefined;
    for (const label of VERDICT_DECISIONS) {
      const quoted = `${label}"`;
      // Past the closing quote only what the verdict grammar can write next (`,"rule_ids"`...).
      if (quoted.startsWith(rest) || (rest.startsWith(quoted) && /^[\s,":\w]*$/.test(rest.slice(quoted.length)))) return label;
    }
    return undefined;
  }
  return undefined;
}

/**
 * The label each token commits to at one decision step (one `before` text, decision index and
 * spelling context), filled as tokens are read. A byte per token id: a 262k vocabulary costs 256 kB.
 */
export class LabelMemo {
  // 0: not read yet, 1: no label, 2: violate, 3: allow.
  private codes = new Uint8Array(1024);

  get(token: Token, read: () => VerdictDecision | undefined): VerdictDecision | undefined {
    const id = token as unknown as number;
    if (id >= this.codes.length) {
      const grown = new Uint8Array(Math.max(id + 1, this.codes.length * 2));
      grown.set(this.codes);
      this.codes = grown;
    }
    let code = this.codes[id] as number;
    if (code === 0) {
      const label = read();
      code = label === undefined ? 1 : label === "violate" ? 2 : 3;
      this.codes[id] = code;
    }
    return code === 1 ? undefined : code === 2 ? "violate" : "allow";
  }
}
