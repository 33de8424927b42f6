import { LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaGrammar, type LlamaModel, type Token } from "node-llama-cpp";
import { performance } from "node:perf_hooks";
import { DecisionTracker, labelAt, type MeasuredDecision } from "./confidence.js";
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
        const step = await next(feed, { grammar });
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
          await stream.close();
          tracker.observe(finalText, spell(step.token), await distributionAtLastToken(sequence), spell);
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
