import type { LlamaContextSequence, LlamaGrammarEvaluationState, Token } from "node-llama-cpp";

/** What to sample the next token under. */
export interface StreamMode {
  /** Grammar that constrains sampling; absent in the free analysis channel. */
  readonly grammar?: LlamaGrammarEvaluationState;
}

/**
 * Token-level generation on one sequence: each `next(feed)` evaluates `feed` (the previous
 * sampled token, or injected tokens such as a channel header) and samples one token.
 * node-llama-cpp fixes the grammar per generator, so a change of grammar closes the generator
 * and opens a new one on the same sequence (the native sampler accepts sampled tokens into the
 * grammar state, never injected ones). No metadata is asked for: under jest's VM modules
 * node-llama-cpp misreads the native metadata result (an `instanceof Array` across realms), and
 * the one distribution the engine needs is read separately at the decision token.
 */
export class TokenStream {
  private generator: AsyncGenerator<Token, void, void | Token | Token[]> | undefined;
  private mode: StreamMode | undefined;

  constructor(private readonly sequence: LlamaContextSequence) {}

  async next(feed: readonly Token[], mode: StreamMode): Promise<{ token: Token } | undefined> {
    if (feed.length === 0) throw new Error("TokenStream.next needs at least one token to evaluate");
    let result: IteratorResult<Token, void>;
    if (this.generator !== undefined && this.mode?.grammar === mode.grammar) {
      result = await this.generator.next([...feed]);
    } else {
      await this.close();
      this.mode = mode;
      // Greedy: a moderation verdict must be reproducible, and confidence is read from the distribution, not from sampling.
      this.generator = this.sequence.evaluate([...feed], { temperature: 0, grammarEvaluationState: mode.grammar, yieldEogToken: true });
      result = await this.generator.next();
    }
    if (result.done === true) return undefined;
    return { token: result.value };
  }

  /** Ends the current generator (frees its sampler); the sequence keeps what was evaluated. */
  async close(): Promise<void> {
    const generator = this.generator;
    this.generator = undefined;
    this.mode = undefined;
    if (generator !== undefined) await generator.return(undefined);
  }
}
