import type { LlamaContextSequence, LlamaGrammarEvaluationState, Token } from "node-llama-cpp";

/** What to sample the next token under. */
export interface StreamMode {
  /** Ask for the full next-token distribution (costly on large vocabularies: only at decision steps). */
  readonly probabilities: boolean;
  /** Grammar that constrains sampling; absent in the free analysis channel. */
  readonly grammar?: LlamaGrammarEvaluationState;
}

/** One sampled token, with its distribution when asked for. */
export interface StreamStep {
  readonly token: Token;
  readonly probabilities?: Map<Token, number>;
}

type Generator = AsyncGenerator<{ token: Token; probabilities?: Map<Token, number> }, void, void | Token | Token[]>;

/**
 * Token-level generation on one sequence: each `next(feed)` evaluates `feed` (the previous
 * sampled token, or injected tokens such as a channel header) and samples one token.
 * node-llama-cpp fixes metadata and grammar per generator, so a change of mode closes the
 * generator and opens a new one on the same sequence; the grammar state object carries over
 * (the native sampler accepts sampled tokens into it, never injected ones).
 */
export class TokenStream {
  private generator: Generator | undefined;
  private mode: StreamMode | undefined;

  constructor(private readonly sequence: LlamaContextSequence) {}

  async next(feed: readonly Token[], mode: StreamMode): Promise<StreamStep | undefined> {
    if (feed.length === 0) throw new Error("TokenStream.next needs at least one token to evaluate");
    let result: IteratorResult<{ token: Token; probabilities?: Map<Token, number> }, void>;
    if (this.generator !== undefined && this.mode !== undefined && this.mode.probabilities === mode.probabilities && this.mode.grammar === mode.grammar) {
      result = await this.generator.next([...feed]);
    } else {
      await this.close();
      this.mode = mode;
      this.generator = this.sequence.evaluateWithMetadata(
        [...feed],
        { probabilities: mode.probabilities },
        // Greedy: a moderation verdict must be reproducible, and confidence is read from the distribution, not from sampling.
        { temperature: 0, grammarEvaluationState: mode.grammar, yieldEogToken: true },
      ) as Generator;
      result = await this.generator.next();
    }
    if (result.done === true) return undefined;
    return result.value;
  }

  /** Ends the current generator (frees its sampler); the sequence keeps what was evaluated. */
  async close(): Promise<void> {
    const generator = this.generator;
    this.generator = undefined;
    this.mode = undefined;
    if (generator !== undefined) await generator.return(undefined);
  }
}
