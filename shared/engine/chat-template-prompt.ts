import { SpecialToken, SpecialTokensText, type ChatWrapper, type LlamaModel } from "node-llama-cpp";
import { mergeSegments, type PromptSegment } from "./prompt-segments.js";

// Private-use characters cannot occur in a chat template's own text, so they mark where
// the policy and the post go without the template ever seeing (or escaping) the real text.
const POLICY_MARK = "\uE000ARBITER_POLICY\uE001";
const POST_MARK = "\uE000ARBITER_POST\uE001";

/**
 * Renders policy (as the system message) and post (as the user message) through a model's
 * own chat template (a node-llama-cpp chat wrapper), ending where the model's answer
 * begins. The template is rendered with markers in place of the texts, then split, so the
 * texts become user pieces that are tokenized without special tokens.
 */
export function renderChatTemplateSegments(model: LlamaModel, chatWrapper: ChatWrapper, instructions: string, post: string): PromptSegment[] {
  const { contextText } = chatWrapper.generateContextState({
    chatHistory: [
      { type: "system", text: POLICY_MARK },
      { type: "user", text: POST_MARK },
      { type: "model", response: [] },
    ],
  });
  const segments: PromptSegment[] = [];
  let seen = 0;
  for (const value of contextText.values) {
    if (value instanceof SpecialToken) {
      // BOS/EOS/NL: the model's own spelling, tokenized back with special tokens on.
      segments.push({ kind: "template", text: model.detokenize(model.tokenize(value.value, "builtin"), true) });
    } else if (value instanceof SpecialTokensText) {
      segments.push({ kind: "template", text: value.value });
    } else {
      for (const part of value.split(/(\uE000ARBITER_(?:POLICY|POST)\uE001)/)) {
        if (part === POLICY_MARK) {
          segments.push({ kind: "user", text: instructions });
          seen |= 1;
        } else if (part === POST_MARK) {
          segments.push({ kind: "user", text: post });
          seen |= 2;
        } else if (part.length > 0) segments.push({ kind: "template", text: part });
      }
    }
  }
  if (seen !== 3) throw new Error(`chat template ${chatWrapper.wrapperName} dropped the ${seen & 1 ? "post" : "policy"} message`);
  return mergeSegments(segments);
}
