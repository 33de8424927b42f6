import type { LlamaModel, Token } from "node-llama-cpp";
import { isControlLike } from "./control-tokens.js";
import type { PromptSegment } from "./prompt-segments.js";

/** A tokenized prompt, with where each untrusted (policy/post) piece landed. */
export interface TokenizedPrompt {
  readonly tokens: Token[];
  /** Half-open token ranges `[start, end)` that came from user text. */
  readonly userSpans: ReadonlyArray<readonly [number, number]>;
}

/**
 * Tokenizes untrusted text so that no control token can come out of it.
 * `tokenize(text, false)` alone is not enough: llama.cpp marks some markup tokens
 * USER_DEFINED (gpt-oss's `<|start|>`, `<|message|>`, `<|channel|>`, `<|constrain|>`), and
 * those are matched even with special tokens off. Any such token found is broken up by
 * splitting the text after the first character of its spelling and tokenizing both sides.
 */
export function tokenizeUntrusted(model: LlamaModel, text: string, trimLeadingSpace: boolean): Token[] {
  if (text.length === 0) return [];
  const tokens = model.tokenize(text, false, trimLeadingSpace ? "trimLeadingSpace" : undefined);
  const offending = tokens.find((token) => isControlLike(model, token));
  if (offending === undefined) return tokens;
  const spelling = model.detokenize([offending], true);
  const at = spelling.length > 1 ? text.indexOf(spelling) : -1;
  if (at < 0) return tokens.filter((token) => !isControlLike(model, token)); // cannot locate it: drop rather than obey it
  const left = text.slice(0, at + 1);
  const right = text.slice(at + 1);
  return [...tokenizeUntrusted(model, left, trimLeadingSpace), ...tokenizeUntrusted(model, right, true)];
}

/** Tokenizes prompt pieces: template text with special tokens on, user text through {@link tokenizeUntrusted}. */
export function tokenizeSegments(model: LlamaModel, segments: readonly PromptSegment[]): TokenizedPrompt {
  const tokens: Token[] = [];
  const userSpans: Array<[number, number]> = [];
  for (const segment of segments) {
    // Only the very first piece may receive the tokenizer's leading space (SentencePiece models).
    const trim = tokens.length > 0;
    if (segment.kind === "template") {
      tokens.push(...model.tokenize(segment.text, true, trim ? "trimLeadingSpace" : undefined));
    } else {
      const start = tokens.length;
      tokens.push(...tokenizeUntrusted(model, segment.text, trim));
      userSpans.push([start, tokens.length]);
    }
  }
  return { tokens, userSpans };
}
