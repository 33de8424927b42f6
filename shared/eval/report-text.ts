import { textTable } from "../text/text-table.js";
import type { EvalReport, Flip } from "./eval-report.js";
import type { Proportion } from "../stats/proportion.js";

const fixed = (x: number | null, digits = 3) => (x === null ? "n/a" : x.toFixed(digits));
const ms = (x: number | null) => (x === null ? "n/a" : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`);
const pct = (p: Proportion) => (p.n === 0 ? "n/a" : `${(p.rate * 100).toFixed(1)} %`);
const share = (p: Proportion) => (p.n === 0 ? "n/a (0 of 0)" : `${p.rate.toFixed(3)} [${p.low.toFixed(2)}–${p.high.toFixed(2)}] ${p.k}/${p.n}`);

/** The headline figures of each report, one column per report (side by side when there are two). */
function figuresTable(reports: readonly EvalReport[]): string {
  const rows: string[][] = [["", ...reports.map((r) => r.name)]];
  const add = (label: string, cell: (r: EvalReport) => string) => rows.push([label, ...reports.map(cell)]);
  add("precision", (r) => share(r.scores.precision));
  add("recall", (r) => share(r.scores.recall));
  add("F1", (r) => fixed(r.scores.f1));
  add("accuracy", (r) => share(r.scores.accuracy));
  add("false-positive rate", (r) => share(r.scores.falsePositiveRate));
  add("prefilter pass rate", (r) => share(r.funnel.passRate));
  add("recall through prefilter", (r) => share(r.funnel.recallThroughPrefilter));
  add("escalation rate", (r) => `${share(r.escalationRate)} @ ${r.policy.escalationThreshold}`);
  add("ECE", (r) => `${fixed(r.calibration.ece)} over ${r.calibration.n}`);
  add("latency p50 / p95, all", (r) => `${ms(r.latencyMs.all.p50)} / ${ms(r.latencyMs.all.p95)}`);
  add("latency p50 / p95, model", (r) => `${ms(r.latencyMs.model.p50)} / ${ms(r.latencyMs.model.p95)}`);
  return textTable(rows);
}

function details(r: EvalReport): string {
  const c = r.confusion;
  const out: string[] = [];
  out.push(
    `${r.name} (version ${r.policy.version}): ${r.counts.posts} posts, ${r.counts.scored} scored (${r.counts.positives} labelled violating), ${r.counts.failed} engine failures, ${r.counts.invalid} invalid`,
  );
  out.push("");
  out.push(
    textTable([
      ["", "predicted violate", "predicted allow"],
      ["labelled violate", `TP ${c.tp}`, `FN ${c.fn}`],
      ["labelled allow", `FP ${c.fp}`, `TN ${c.tn}`],
    ]),
  );
  out.push("");
  out.push(
    textTable([
      ["rule", "flagged", "labelled violating", "precision"],
      ...r.rules.map((x) => [x.ruleId, String(x.flagged), String(x.truePositives), x.flagged === 0 ? "n/a" : x.precision.rate.toFixed(3)]),
    ]),
  );
  out.push("");
  const bins = r.calibration.bins.filter((b) => b.n > 0);
  out.push(`calibration of the measured confidence (${r.calibration.n} model verdicts, ECE ${fixed(r.calibration.ece)}):`);
  out.push(
    bins.length === 0
      ? "  no model verdicts"
      : textTable([
          ["confidence", "posts", "mean confidence", "accuracy"],
          ...bins.map((b) => [`${b.low.toFixed(1)}–${b.high.toFixed(1)}`, String(b.n), fixed(b.confidence), fixed(b.accuracy)]),
        ]),
  );
  out.push("");
  out.push(`escalation rate at the policy's threshold ${r.policy.escalationThreshold}: ${pct(r.escalationRate)} (${r.escalationRate.k}/${r.escalationRate.n})`);
  out.push(`disagreements: ${r.disagreements.length} (${c.fp} false positives, ${c.fn} misses)`);
  for (const d of r.disagreements) {
    const verdict =
      d.outcome === "prefilter"
        ? "allowed at the prefilter"
        : `${d.predicted ? "violate" : "allow"} @ ${fixed(d.confidence, 2)}${d.ruleIds.length > 0 ? ` [${d.ruleIds.join(",")}]` : ""}`;
    out.push(`  ${d.predicted ? "FP" : "FN"} line ${d.line} id ${d.id}: ${verdict}${d.rationale ? ` — ${d.rationale.replace(/\s+/g, " ")}` : ""}`);
  }
  return out.join("\n");
}

/** The terminal report: figures side by side, each policy's details, and the posts that flip. */
export function renderTextReport(reports: readonly EvalReport[], flipped: readonly Flip[] | null): string {
  const parts = [figuresTable(reports), ...reports.map(details)];
  if (flipped !== null && reports.length === 2) {
    const [a, b] = reports as [EvalReport, EvalReport];
    const fixedBy = flipped.filter((f) => f.b === f.label).length;
    const lines = flipped.map(
      (f) => `  line ${f.line} id ${f.id} (labelled ${f.label ? "violate" : "allow"}): ${f.a ? "violate" : "allow"} → ${f.b ? "violate" : "allow"}`,
    );
    parts.push(
      [
        `posts that flip from ${a.name} to ${b.name}: ${flipped.length} (${fixedBy} now agree with the label, ${flipped.length - fixedBy} no longer do)`,
        ...lines,
      ].join("\n"),
    );
  }
  return `${parts.join("\n\n")}\n`;
}
