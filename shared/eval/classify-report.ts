import type { ClassifiedPost } from "./classify-posts.js";
import { verdictOf } from "./classify-posts.js";
import type { PostResult } from "./policy-evaluator.js";

const confidenceText = (result: PostResult) => (result.confidence === null ? "-" : result.confidence.toFixed(3));
const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** One result in full: verdict, action, rule ids, measured confidence, rationale, reasoning. */
function resultBlock(name: string, result: PostResult): string[] {
  const lines = [`policy      ${name}`];
  if (result.outcome === "prefilter") {
    lines.push("verdict     allow (prefilter: no keyword of the policy matched, the model was not asked; --skip-prefilter asks it)");
    lines.push(`action      ${result.action ?? "-"}`);
    return lines;
  }
  if (result.outcome === "failed" || result.outcome === "invalid") {
    lines.push(`verdict     none: ${result.outcome === "failed" ? "the model failed" : "not a post the worker accepts"} (${result.error ?? "no detail"})`);
    lines.push(`action      ${result.action ?? "-"}${result.outcome === "failed" ? " (the worker sends it to review)" : ""}`);
    return lines;
  }
  lines.push(`verdict     ${result.decision}${result.escalate ? " (escalates: below the policy's threshold, or a rule sent to a human)" : ""}`);
  lines.push(`action      ${result.action ?? "-"}`);
  lines.push(`rules       ${result.ruleIds.join(", ") || "-"}`);
  lines.push(`confidence  ${confidenceText(result)} (measured: the probability the model gave its decision)`);
  lines.push(`rationale   ${result.rationale || "-"}`);
  lines.push("reasoning");
  const reasoning = result.reasoning.trim();
  lines.push(...(reasoning.length === 0 ? ["  (none: this model has no analysis channel)"] : reasoning.split("\n").map((l) => `  ${l}`)));
  lines.push(`latency     ${Math.round(result.latencyMs)} ms`);
  return lines;
}

/** One post: its result in full, and with a second version, that one's and whether they differ. */
export function renderOne(item: ClassifiedPost, name: string, againstName: string | null): string {
  const lines = resultBlock(name, item.result);
  if (item.against && againstName !== null) {
    lines.push("", ...resultBlock(againstName, item.against), "");
    const a = verdictOf(item.result);
    const b = verdictOf(item.against);
    lines.push(a === b ? `same verdict: ${a}` : `verdicts differ: ${a} under ${name}, ${b} under ${againstName}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Columns padded to their widest cell, left-aligned (the last one, free text, unpadded). */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Many posts: a row each (verdict, rules, confidence, rationale); with a second version, both verdicts and then the posts they decide differently. */
export function renderTable(items: readonly ClassifiedPost[], name: string, againstName: string | null): string {
  const against = againstName !== null;
  const header = against
    ? ["ID", "VERDICT", "RULES", "CONF", `VS ${againstName}`, "RULES", "CONF", "RATIONALE"]
    : ["ID", "VERDICT", "RULES", "CONF", "ACTION", "RATIONALE"];
  const rows = [header];
  for (const { id, result, against: other } of items) {
    const mine = [verdictOf(result), result.ruleIds.join(",") || "-", confidenceText(result)];
    if (against && other)
      rows.push([id, ...mine, verdictOf(other), other.ruleIds.join(",") || "-", confidenceText(other), oneLine(result.rationale || result.error || "", 70)]);
    else rows.push([id, ...mine, result.action ?? "-", oneLine(result.rationale || result.error || "", 70)]);
  }
  const counts = new Map<string, number>();
  for (const { result } of items) counts.set(verdictOf(result), (counts.get(verdictOf(result)) ?? 0) + 1);
  const out = [`policy ${name}: ${items.length} posts, ${[...counts].map(([v, n]) => `${n} ${v}`).join(", ")}`, table(rows)];
  if (against) {
    const differ = items.filter((i) => i.against && verdictOf(i.result) !== verdictOf(i.against));
    out.push(
      "",
      differ.length === 0
        ? `no verdict differs between ${name} and ${againstName}`
        : `${differ.length} verdict${differ.length === 1 ? "" : "s"} differ (${name} -> ${againstName}):`,
    );
    for (const item of differ) out.push(`  ${item.id}: ${verdictOf(item.result)} -> ${verdictOf(item.against!)}`);
  }
  return `${out.join("\n")}\n`;
}
