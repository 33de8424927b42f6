import { LlamaGrammarEvaluationState, TokenBias, type LlamaContextSequence, type LlamaGrammar, type LlamaModel, type Token } from "node-llama-cpp";
import { performance } from "node:perf_hooks";
import { DecisionTracker, LabelMemo, labelAt, type MeasuredDecision } from "./confidence.js";
import { isPartComplete, type VerdictPlan } from "./verdict-grammar.js";
import { isControlLike } from "./control-tokens.js";
import { TokenStream } from "./token-stream.js";

/** Harmony control tokens the loop injects, resolved once per model. */
export interface HarmonyTokens {
  /** `<|end|>`: closes the analysis channel. */
  readonly end: Token;
  /** `<|start|>assistant<|channel|>final<|message|>`: opens the final channel. */
  readonly finalHeader: readonly Token[];
}

/** One model call on one sequence. */
export interface InferenceRequest {
  readonly prompt: readonly Token[];
  /** The verdict's fixed text and free parts, and each part's compiled grammar. */
  readonly plan: VerdictPlan;
  readonly grammars: readonly LlamaGrammar[];
  /** Decisions the grammar will make the model write (1, or one per policy in combined mode). */
  readonly expectedDecisions: number;
  /** Harmony tokens to run the analysis channel; absent for chat-template models (no analysis). */
  readonly harmony?: HarmonyTokens;
  readonly analysisBudget: number;
  readonly finalMaxTokens: number;
  /** Reuse the longest common prefix already evaluated in the sequence. */
  readonly reusePrefix: boolean;
  readonly signal: AbortSignal;
}

/** What the model produced; the final text is still to be parsed. */
export interface InferenceOutput {
  readonly reasoning: string;
  readonly analysisTruncated: boolean;
  readonly finalText: string;
  /** False when the final-token budget ran out before the grammar completed. */
  readonly finalComplete: boolean;
  readonly decisions: readonly MeasuredDecision[];
  readonly promptTokens: number;
  /** Prompt tokens actually evaluated (the rest came from the sequence's cached prefix). */
  readonly evaluatedPromptTokens: number;
  readonly analysisTokens: number;
  readonly finalTokens: number;
  /** The generated token ids, and at which final-channel index each decision was committed (for audit and tests). */
  /** Wall time to evaluate the prompt (up to the first sampled token), and to generate the rest. */
  readonly timings: { readonly promptMs: number; readonly generationMs: number };
  /**
   * The final channel as evaluated: injected (forced) and sampled tokens in order, and where
   * each decision was committed (an index into `final`, at a sampled token).
   */
  readonly trace: { readonly analysis: readonly Token[]; readonly final: readonly Token[]; readonly decisionSteps: readonly number[] };
}

/**
 * Reason, then answer: evaluates the prompt (only past the cached prefix), lets the model
 * write its analysis freely up to the budget, closes the channel (cutting it if needed),
 * injects the final-channel header and samples the verdict under the JSON-schema grammar,
 * reading the decision's probability at the token that commits to a label.
 */
export async function runInference(model: LlamaModel, sequence: LlamaContextSequence, request: InferenceRequest): Promise<InferenceOutput> {
  const { prompt, signal } = request;
  const kept = await alignSequence(sequence, prompt, request.reusePrefix);
  let feed: Token[] = prompt.slice(kept);
  const forced = request.plan.parts.map((part) => model.tokenize(part.forced, false, "trimLeadingSpace"));
  const stream = new TokenStream(sequence);
  const started = performance.now();
  let firstTokenAt: number | undefined;
  // The first `next` evaluates the prompt; its end splits prompt time from generation time.
  const next: TokenStream["next"] = async (tokens, mode) => {
    const step = await stream.next(tokens, mode);
    firstTokenAt ??= performance.now();
    return step;
  };
  try {
    const analysis: Token[] = [];
    let analysisTruncated = false;
    if (request.harmony !== undefined) {
      const closeAndOpenFinal = [request.harmony.end, ...request.harmony.finalHeader];
      if (request.analysisBudget === 0) {
        feed = [...feed, ...closeAndOpenFinal];
      } else {
        for (;;) {
          signal.throwIfAborted();
          const step = await next(feed, {});
          if (step === undefined) throw new Error("generation stopped inside the analysis channel");
          // `<|end|>` closes the channel; any other control token or end-of-generation means the
          // model tried to leave it: both end the analysis, and we close it ourselves.
          if (step.token === request.harmony.end || model.isEogToken(step.token) || isControlLike(model, step.token)) {
            feed = closeAndOpenFinal;
            break;
          }
          analysis.push(step.token);
          if (analysis.length >= request.analysisBudget) {
            analysisTruncated = true;
            feed = [step.token, ...closeAndOpenFinal];
            break;
          }
          feed = [step.token];
        }
      }
    }

    // The verdict: inject each part's fixed text, then sample the part under its own grammar
    // until it is complete. `feed` still holds what must be evaluated before the first part.
    const tracker = new DecisionTracker(request.expectedDecisions);
    const final: Token[] = [];
    const decisionSteps: number[] = [];
    let finalText = "";
    let sampled = 0;
    let finalComplete = true;
    parts: for (const [index, part] of request.plan.parts.entries()) {
      const grammar = new LlamaGrammarEvaluationState({ model, grammar: request.grammars[index] as LlamaGrammar });
      feed = [...feed, ...(forced[index] as Token[])];
      final.push(...(forced[index] as Token[]));
      finalText += part.forced;
      const textBefore = finalText;
      const contextBefore = [...final];
      const partTokens: Token[] = [];
      let partText = "";
      for (;;) {
        if (sampled >= request.finalMaxTokens) {
          finalComplete = false;
          break parts;
        }
        signal.throwIfAborted();
        // While a label is still to be committed, sample and read the distribution in one
        // evaluation (see sampleWithDistribution); otherwise the stream samples under the grammar.
        const reading = part.kind === "label" && tracker.pending ? await sampleWithDistribution(model, sequence, stream, feed, grammar) : undefined;
        if (reading !== undefined) firstTokenAt ??= performance.now();
        const step = reading === undefined ? await next(feed, { grammar }) : reading.step;
        if (step === undefined) {
          finalComplete = false;
          break parts;
        }
        sampled += 1;
        // Special spellings on, so the text is what the grammar saw: it reads a control token it
        // does not count as end-of-generation (gpt-oss's <|end|>, which node-llama-cpp does count)
        // as its literal spelling. So an "end" token is an end only where the part is complete.
        if (model.isEogToken(step.token) && isPartComplete(part.kind, partText)) break;
        const spell = (token: Token): string => model.detokenize([token], true, final);
        const decision = tracker.decisions.length;
        if (part.kind === "label" && tracker.pending && labelAt(finalText + spell(step.token), decision) !== undefined) {
          const distribution = reading?.distribution ?? (await stream.close(), await distributionAtLastToken(sequence));
          tracker.observe(finalText, spell(step.token), distribution, spell, labelMemo(model, decision, finalText, final));
          decisionSteps.push(final.length);
        }
        final.push(step.token);
        partTokens.push(step.token);
        // Whole-part detokenization: token by token, multi-byte characters split across tokens come out garbled.
        partText = model.detokenize(partTokens, true, contextBefore);
        finalText = textBefore + partText;
        feed = [step.token];
        if (isPartComplete(part.kind, partText)) break;
      }
    }
    if (finalComplete) finalText += request.plan.trailer;
    return {
      reasoning: model.detokenize(analysis, false),
      analysisTruncated,
      finalText,
      finalComplete,
      decisions: tracker.decisions,
      promptTokens: prompt.length,
      evaluatedPromptTokens: prompt.length - kept,
      analysisTokens: analysis.length,
      finalTokens: sampled,
      timings: { promptMs: (firstTokenAt ?? started) - started, generationMs: performance.now() - (firstTokenAt ?? started) },
      trace: { analysis, final, decisionSteps },
    };
  } finally {
    await stream.close();
  }
}

/** node-llama-cpp 3.21.1's native grammar-state calls (internal; what its own sampler and LlamaChat use). */
interface NativeGrammarCalls {
  canBeNextTokenForGrammarEvaluationState(state: unknown, token: Token): boolean;
  acceptGrammarEvaluationStateToken(state: unknown, token: Token): void;
}

function nativeGrammarCalls(model: LlamaModel, grammar: LlamaGrammarEvaluationState): { calls: NativeGrammarCalls; state: unknown } | undefined {
  const calls = (model as unknown as { _llama?: { _bindings?: { AddonSampler?: Partial<NativeGrammarCalls> } } })._llama?._bindings?.AddonSampler;
  const state = (grammar as unknown as { _state?: unknown })._state;
  if (typeof calls?.canBeNextTokenForGrammarEvaluationState !== "function" || typeof calls.acceptGrammarEvaluationStateToken !== "function" || state == null)
    return undefined;
  return { calls: calls as NativeGrammarCalls, state };
}

/**
 * One step at a pending decision: evaluates `feed` asking for the raw next-token distribution at
 * its last token, and takes as the sampled token what the stream's greedy grammar-bound sampler
 * would (the most probable token the grammar accepts; the distribution is sorted by probability),
 * accepting it into the grammar state as that sampler does. The decision's distribution then
 * costs no second evaluation of the token (erase and re-evaluate), nor a generator closed and
 * reopened around it. `undefined` when node-llama-cpp lacks the native grammar calls (the caller
 * then samples through the stream and reads the distribution afterwards); `step` is undefined
 * when no token is allowed.
 */
async function sampleWithDistribution(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  stream: TokenStream,
  feed: readonly Token[],
  grammar: LlamaGrammarEvaluationState,
): Promise<{ step: { token: Token } | undefined; distribution: Map<Token, number> } | undefined> {
  const native = nativeGrammarCalls(model, grammar);
  if (native === undefined) return undefined;
  await stream.close();
  const last = feed.length - 1;
  const candidates = labelCandidates(model);
  // Only the label candidates, all lifted by the same bias: their order and probability ratios
  // are the raw distribution's, without a 262k-entry distribution crossing into JS.
  const generateNext =
    candidates === undefined
      ? { probabilities: true }
      : { probabilities: true, options: { temperature: 1, topK: candidates.tokens.size, topP: 1, minP: 0, tokenBias: candidates.bias } };
  const results = await sequence.controlledEvaluate(feed.map((token, index) => (index === last ? ([token, { generateNext }] as const) : token)));
  let distribution = results[last]?.next.probabilities;
  if (distribution === undefined) throw new Error("the model returned no probabilities at the decision step");
  const pick = (): Token | undefined => {
    for (const token of (distribution as Map<Token, number>).keys())
      if (native.calls.canBeNextTokenForGrammarEvaluationState(native.state, token)) return token;
    return undefined;
  };
  let token = pick();
  // A non-candidate among the top tokens means a candidate may have been left out; no allowed
  // token among the candidates means the greedy choice may lie outside them: read it all instead.
  if (candidates !== undefined && (token === undefined || [...distribution.keys()].some((entry) => !candidates.tokens.has(entry)))) {
    distribution = await distributionAtLastToken(sequence);
    token = pick();
  }
  if (token === undefined) return { step: undefined, distribution };
  if (!model.isEogToken(token)) native.calls.acceptGrammarEvaluationStateToken(native.state, token);
  return { step: { token }, distribution };
}

// Far above any logit gap within a vocabulary, small enough that float32 keeps logits to ~1e-5.
const CANDIDATE_BIAS = 200;
const candidateSets = new WeakMap<LlamaModel, { tokens: ReadonlySet<Token>; bias: TokenBias } | null>();

/**
 * Every token that could commit to a label right after `"decision":"` (its spelling, with or
 * without a leading space, is a non-empty prefix of `violate"` or `allow"`, or starts with one):
 * a superset of what the decision tracker counts, built once per model by spelling the vocabulary
 * (~0.7 s for Gemma's 262k tokens; the engine does it at load).
 */
export function labelCandidates(model: LlamaModel): { tokens: ReadonlySet<Token>; bias: TokenBias } | undefined {
  let entry = candidateSets.get(model);
  if (entry === undefined) {
    const size = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown } } }).tokenizer?.ggml?.tokens;
    entry = null;
    if (Array.isArray(size) && size.length > 0) {
      const tokens = new Set<Token>();
      const commits = (text: string): boolean => text.length > 0 && ['violate"', 'allow"'].some((label) => label.startsWith(text) || text.startsWith(label));
      for (let id = 0; id < size.length; id += 1) {
        const token = id as Token;
        const text = model.detokenize([token], true);
        if (commits(text) || commits(text.trimStart())) tokens.add(token);
      }
      if (tokens.size > 0) {
        const bias = new TokenBias(model.tokenizer);
        for (const token of tokens) bias.set(token, { logit: CANDIDATE_BIAS });
        entry = { tokens, bias };
      }
    }
    candidateSets.set(model, entry);
  }
  return entry ?? undefined;
}

const labelMemos = new WeakMap<LlamaModel, Map<string, LabelMemo>>();

/**
 * The label memo of one decision step: its text before, decision index and spelling context
 * (the forced JSON before the label, the same for every post of a policy set).
 */
function labelMemo(model: LlamaModel, decision: number, before: string, context: readonly Token[]): LabelMemo {
  let memos = labelMemos.get(model);
  if (memos === undefined) labelMemos.set(model, (memos = new Map()));
  const key = `${decision}\u0000${before}\u0000${context.join(",")}`;
  let memo = memos.get(key);
  if (memo === undefined) {
    // Bounded: combined calls over many policy sets each have their own step text.
    if (memos.size >= 64) memos.delete(memos.keys().next().value as string);
    memos.set(key, (memo = new LabelMemo()));
  }
  return memo;
}

/**
 * Erases what the sequence holds past the longest prefix it shares with `prompt` and returns
 * that prefix's length. At least one prompt token is always left to evaluate, since the
 * next token is sampled from the last evaluated one's logits.
 */
export async function alignSequence(sequence: LlamaContextSequence, prompt: readonly Token[], reusePrefix: boolean): Promise<number> {
  if (!reusePrefix) {
    if (sequence.nextTokenIndex > 0) await sequence.clearHistory();
    return 0;
  }
  const { firstDifferentIndex } = sequence.compareContextTokens([...prompt]);
  const kept = Math.min(firstDifferentIndex, prompt.length - 1);
  if (kept < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: kept, end: sequence.nextTokenIndex }]);
  return kept;
}

/**
 * The next-token distribution after the sequence's last evaluated token, obtained by erasing
 * that token and evaluating it again with probabilities on (one token of work per decision).
 * Read this way rather than through `evaluateWithMetadata({probabilities})`, which costs a
 * full-vocabulary map on every step and, under jest's VM modules, breaks on node-llama-cpp's
 * `instanceof Array` test of the native result (a different realm's Array).
 */
async function distributionAtLastToken(sequence: LlamaContextSequence): Promise<Map<Token, number>> {
  const position = sequence.nextTokenIndex - 1;
  const last = sequence.contextTokens[position];
  if (last === undefined) throw new Error("no evaluated token to read a distribution from");
  await sequence.eraseContextTokenRanges([{ start: position, end: position + 1 }]);
  const [result] = await sequence.controlledEvaluate([[last, { generateNext: { probabilities: true } }]]);
  const probabilities = result?.next.probabilities;
  if (probabilities === undefined) throw new Error("the model returned no probabilities at the decision token");
  return probabilities;
}
