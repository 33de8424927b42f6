import type { LlamaModel, Token } from "node-llama-cpp";

/** True for tokens that steer the conversation rather than spell text (control, or markup-like user-defined tokens). */
export function isControlLike(model: LlamaModel, token: Token): boolean {
  const attributes = model.getTokenAttributes(token);
  if (attributes.control) return true;
  if (!attributes.userDefined) return false;
  const spelling = model.detokenize([token], true);
  return /^<[^<>]+>$|^\[[^[\]]+\]$/.test(spelling.trim());
}
