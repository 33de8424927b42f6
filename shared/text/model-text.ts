/** The text the model is given and whether it is less than the post. */
export interface ModelText {
  text: string;
  truncated: boolean;
}

/**
 * The post cut to at most `maxChars` UTF-16 code units for the model (the prefilter reads all of
 * it). Never between the halves of a surrogate pair: the model would get a lone half, so the cut
 * falls one unit earlier. The one cut every stage uses, so the same post gives the same model text.
 */
export function cutModelText(text: string, maxChars: number): ModelText {
  if (text.length <= maxChars) return { text, truncated: false };
  const last = text.charCodeAt(maxChars - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars;
  return { text: text.slice(0, cut), truncated: true };
}
