import { escapeHtml } from "../html/safe-html.js";
import type { EvalReport, Flip } from "./eval-report.js";
import type { Proportion } from "../stats/proportion.js";

interface Series {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
  /** Dots only (a reliability diagram's bins), no line. */
  dots?: boolean;
}

const W = 420;
const H = 300;
const PAD = { left: 48, right: 16, top: 16, bottom: 44 };

/**
 * A chart over [0, 1] × [0, 1] as inline SVG: gridlines, axes with ticks, one polyline (or dots)
 * per series, optional vertical markers and the diagonal. No script and nothing fetched.
 */
export function unitChartSvg(options: {
  kind: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  markers?: readonly { x: number; label: string }[];
  diagonal?: boolean;
}): string {
  const x = (v: number) => PAD.left + v * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - v * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(
      `<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle" font-size="11">${v.toFixed(1)}</text>`,
      `<text x="${x(0) - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="#333"/>`,
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(1)}" stroke="#333"/>`,
  );
  if (options.diagonal) parts.push(`<line class="diagonal" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`);
  for (const m of options.markers ?? []) {
    parts.push(`<line class="marker" x1="${x(m.x)}" y1="${y(0)}" x2="${x(m.x)}" y2="${y(1)}" stroke="#555" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${x(m.x) + 4}" y="${y(1) + 10}" font-size="11">${escapeHtml(m.label)}</text>`);
  }
  for (const s of options.series) {
    const coords = s.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`);
    if (s.dots)
      parts.push(
        ...coords.map(
          (c) =>
            `<circle class="series-point" cx="${c.split(",")[0]}" cy="${c.split(",")[1]}" r="4" fill="${s.color}"><title>${escapeHtml(s.name)}</title></circle>`,
        ),
      );
    else if (coords.length > 0)
      parts.push(
        `<polyline class="series" data-series="${escapeHtml(s.name)}" points="${coords.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      );
  }
  parts.push(`<text x="${(x(0) + x(1)) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(12 ${(y(0) + y(1)) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(options.yLabel)}</text>`);
  const legend = options.series.map((s) => `<span class="key"><i style="background:${s.color}"></i>${escapeHtml(s.name)}</span>`).join(" ");
  return `<figure class="chart" data-chart="${escapeHtml(options.kind)}"><figcaption>${escapeHtml(options.title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(options.title)}">${parts.join("")}</svg><div class="legend">${legend}</div></figure>`;
}

const share = (p: Proportion) => (p.n === 0 ? "n/a" : `${p.rate.toFixed(3)} <small>[${p.low.toFixed(2)}–${p.high.toFixed(2)}] ${p.k}/${p.n}</small>`);
const num = (v: number | null, digits = 3) => (v === null ? "n/a" : v.toFixed(digits));

function confusionTable(r: EvalReport): string {
  const c = r.confusion;
  const cell = (kind: string, n: number) => `<td class="${kind}" data-cell="${kind}">${n}</td>`;
  return `<table class="confusion" data-policy="${escapeHtml(r.name)}"><caption>Confusion matrix</caption><tr><th></th><th>predicted violate</th><th>predicted allow</th></tr><tr><th>labelled violate</th>${cell("tp", c.tp)}${cell("fn", c.fn)}</tr><tr><th>labelled allow</th>${cell("fp", c.fp)}${cell("tn", c.tn)}</tr></table>`;
}

function section(r: EvalReport): string {
  const thresholdChart = unitChartSvg({
    kind: "threshold",
    title: `Precision and recall by threshold — ${r.name}`,
    xLabel: "threshold on p(violate)",
    yLabel: "share",
    series: [
      { name: "precision", color: "#1f77b4", points: r.curve.map((p) => [p.threshold, p.precision] as const) },
      { name: "recall", color: "#d62728", points: r.curve.map((p) => [p.threshold, p.recall] as const) },
      { name: "escalation rate", color: "#7f7f7f", points: r.curve.map((p) => [p.threshold, p.escalationRate] as const) },
    ],
    markers: [{ x: r.policy.escalationThreshold, label: `policy threshold ${r.policy.escalationThreshold}` }],
  });
  const bins = r.calibration.bins.filter((b) => b.n > 0);
  const calibrationChart = unitChartSvg({
    kind: "calibration",
    title: `Calibration of the measured confidence — ${r.name} (ECE ${num(r.calibration.ece)})`,
    xLabel: "mean confidence in the bin",
    yLabel: "share of verdicts right",
    series: [{ name: "bins (model verdicts)", color: "#2ca02c", dots: true, points: bins.map((b) => [b.confidence!, b.accuracy!] as const) }],
    diagonal: true,
  });
  const rows = (pairs: [string, string][]) => pairs.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("");
  const rules = r.rules
    .map(
      (x) =>
        `<tr><td>${escapeHtml(x.ruleId)}</td><td>${x.flagged}</td><td>${x.truePositives}</td><td>${x.flagged === 0 ? "n/a" : x.precision.rate.toFixed(3)}</td></tr>`,
    )
    .join("");
  const reliability = r.calibration.bins
    .map((b) => `<tr><td>${b.low.toFixed(1)}–${b.high.toFixed(1)}</td><td>${b.n}</td><td>${num(b.confidence)}</td><td>${num(b.accuracy)}</td></tr>`)
    .join("");
  const disagreements = r.disagreements
    .map(
      (d) =>
        `<tr><td>${d.predicted ? "FP" : "FN"}</td><td>${d.line}</td><td>${escapeHtml(d.id)}</td><td>${d.outcome === "prefilter" ? "prefilter allow" : `${d.predicted ? "violate" : "allow"} @ ${num(d.confidence, 2)} ${escapeHtml(d.ruleIds.join(","))}`}</td><td>${escapeHtml(d.text)}</td><td>${escapeHtml(d.rationale)}</td></tr>`,
    )
    .join("");
  return `<section class="policy-report" data-policy="${escapeHtml(r.name)}">
<h2>${escapeHtml(r.name)} <small>version ${escapeHtml(r.policy.version)}</small></h2>
<p>${r.counts.posts} posts: ${r.counts.scored} scored (${r.counts.positives} labelled violating), ${r.counts.failed} engine failures, ${r.counts.invalid} invalid.</p>
<div class="row">${confusionTable(r)}<table class="figures">${rows([
    ["precision", share(r.scores.precision)],
    ["recall", share(r.scores.recall)],
    ["F1", num(r.scores.f1)],
    ["accuracy", share(r.scores.accuracy)],
    ["false-positive rate", share(r.scores.falsePositiveRate)],
    ["prefilter pass rate", share(r.funnel.passRate)],
    ["recall through the prefilter", share(r.funnel.recallThroughPrefilter)],
    [`escalation rate @ ${r.policy.escalationThreshold}`, share(r.escalationRate)],
    ["latency p50 / p95 (all)", `${num(r.latencyMs.all.p50, 1)} / ${num(r.latencyMs.all.p95, 1)} ms`],
    ["latency p50 / p95 (model)", `${num(r.latencyMs.model.p50, 1)} / ${num(r.latencyMs.model.p95, 1)} ms`],
  ])}</table></div>
<div class="row">${thresholdChart}${calibrationChart}</div>
<h3>Rules</h3><table><tr><th>rule</th><th>flagged</th><th>labelled violating</th><th>precision</th></tr>${rules}</table>
<h3>Reliability table</h3><table><tr><th>confidence</th><th>verdicts</th><th>mean confidence</th><th>accuracy</th></tr>${reliability}</table>
<h3>Disagreements (${r.disagreements.length})</h3><table class="disagreements"><tr><th></th><th>line</th><th>id</th><th>verdict</th><th>text</th><th>rationale</th></tr>${disagreements}</table>
</section>`;
}

/** A self-contained HTML report: styles and charts inline, nothing loaded when it is opened. */
export function renderHtmlReport(
  reports: readonly EvalReport[],
  flipped: readonly Flip[] | null,
  meta: { dataset: string; model: string; createdAt: string },
): string {
  const flips =
    flipped === null
      ? ""
      : `<section class="flips"><h2>Posts that flip (${flipped.length})</h2><table><tr><th>line</th><th>id</th><th>label</th><th>${escapeHtml(reports[0]?.name ?? "a")}</th><th>${escapeHtml(reports[1]?.name ?? "b")}</th></tr>${flipped
          .map(
            (f) =>
              `<tr><td>${f.line}</td><td>${escapeHtml(f.id)}</td><td>${f.label ? "violate" : "allow"}</td><td>${f.a ? "violate" : "allow"}</td><td>${f.b ? "violate" : "allow"}</td></tr>`,
          )
          .join("")}</table></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>arbiter eval — ${escapeHtml(reports.map((r) => r.name).join(" vs "))}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 16px 8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.row{display:flex;flex-wrap:wrap;align-items:flex-start}.confusion td{font-size:18px;text-align:center;min-width:90px}.tp,.tn{background:#e6f4ea}.fp,.fn{background:#fce8e6}
figure{margin:8px 16px 8px 0}figcaption{font-weight:600}.legend .key{margin-right:12px}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
.disagreements td:nth-child(5){max-width:420px}small{color:#666}
</style></head><body>
<h1>arbiter eval</h1><p>dataset ${escapeHtml(meta.dataset)} · model ${escapeHtml(meta.model)} · ${escapeHtml(meta.createdAt)}</p>
${reports.map(section).join("\n")}
${flips}
</body></html>
`;
}
