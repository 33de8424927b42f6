/**
 * A prompt as an ordered list of pieces, each marked with who wrote it.
 * Template pieces may spell control tokens (`<|start|>`, `<start_of_turn>`, ...) and are
 * tokenized with special tokens enabled; user pieces (policy text, post text) never are,
 * so a post that spells `<|end|>` stays text and cannot leave its message.
 */
export type PromptSegment = { readonly kind: "template"; readonly text: string } | { readonly kind: "user"; readonly text: string };

/** Joins the pieces into the exact prompt string (for tests and audit, never for tokenizing). */
export function segmentsToText(segments: readonly PromptSegment[]): string {
  return segments.map((segment) => segment.text).join("");
}

/** Merges neighbouring pieces of the same kind so tokenization sees whole runs of text. */
export function mergeSegments(segments: readonly PromptSegment[]): PromptSegment[] {
  const merged: PromptSegment[] = [];
  for (const segment of segments) {
    if (segment.text.length === 0) continue;
    const last = merged[merged.length - 1];
    if (last !== undefined && last.kind === segment.kind) merged[merged.length - 1] = { kind: last.kind, text: last.text + segment.text };
    else merged.push(segment);
  }
  return merged;
}
