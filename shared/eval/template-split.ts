/** Which side of a split a labelled case falls on. */
export type SplitPart = "held-out" | "tuning";

/** FNV-1a, 32 bits: a fixed, dependency-free hash, so the split is the same on every machine. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * The part a template falls in: `held-out` for about `heldOutPercent` % of template ids, by
 * hash. Splitting by template, not by case, keeps every case of a template (and, where sets
 * share template ids across languages, every translation of it) on the same side.
 */
export function templatePart(templateId: string, heldOutPercent = 30): SplitPart {
  if (!(heldOutPercent >= 0 && heldOutPercent <= 100)) throw new RangeError(`heldOutPercent must be 0–100, got ${heldOutPercent}`);
  return fnv1a(templateId) % 100 < heldOutPercent ? "held-out" : "tuning";
}
