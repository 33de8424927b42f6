import type { EvalItem } from "./eval-report.js";
import { seededSample } from "../stats/seeded-sample.js";

/** `n` model decisions drawn with `seed` (prefilter allows have no reasoning to review; the disagreements list covers their misses). */
export function reviewSample(items: readonly EvalItem[], n: number, seed: number): EvalItem[] {
  return seededSample(
    items.filter((i) => i.result.outcome === "model"),
    n,
    seed,
  );
}

/** The checklist's review: each post with its label, the verdict, the rationale and the model's reasoning. */
export function renderReview(name: string, sample: readonly EvalItem[], seed: number): string {
  const out = [`review: ${sample.length} model decision(s) of ${name} drawn at random (seed ${seed})`];
  for (const { post, result } of sample) {
    const agree = (result.decision === "violate") === post.label ? "agrees with" : "DISAGREES with";
    out.push(
      "",
      `— line ${post.line} id ${post.id}: ${result.decision} @ ${result.confidence?.toFixed(2) ?? "n/a"}${result.ruleIds.length > 0 ? ` [${result.ruleIds.join(",")}]` : ""}, action ${result.action}; ${agree} the label (${post.label ? "violate" : "allow"})`,
      `  text: ${post.text.replace(/\s+/g, " ")}`,
      `  rationale: ${result.rationale || "(none)"}`,
      `  reasoning: ${result.reasoning.trim() === "" ? "(the model gave no analysis channel)" : result.reasoning.trim().replace(/\n/g, "\n    ")}`,
    );
  }
  return `${out.join("\n")}\n`;
}
