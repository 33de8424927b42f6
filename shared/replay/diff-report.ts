import { escapeHtml } from "../html/safe-html.js";
import type { DecisionDiff, FlipExample, VerdictSide } from "./decision-diff.js";

/** What the report is about: the run and the policy version it decided under. */
export interface DiffMeta {
  title: string;
  replayId: string;
  policy: string;
  /** The range or window replayed, as the operator named it. */
  range: string;
  createdAt: string;
}

const side = (s: VerdictSide): string =>
  `${s.state}${s.ruleIds.length > 0 ? ` [${s.ruleIds.join(",")}]` : ""} (${s.source}${s.source === "prefilter" ? "" : ` ${s.confidence.toFixed(2)}`})`;
const exampleLine = (e: FlipExample): string =>
  `${e.postId} (forum ${e.forumId || "-"}): ${side(e.before)} → ${side(e.after)}${e.after.rationale ? ` — ${e.after.rationale}` : ""}`;

/** The diff as a terminal report. */
export function renderDiffText(diff: DecisionDiff, meta: DiffMeta): string {
  const lines = [
    `${meta.title} ${meta.replayId}: policy ${meta.policy}, ${meta.range}`,
    `posts replayed: ${diff.posts}; without a decision in force: ${diff.withoutDecision}; changed: ${diff.changed}`,
  ];
  const actions = Object.entries(diff.actions);
  lines.push(`actions changed: ${actions.length === 0 ? "none" : actions.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  for (const p of diff.policies) {
    lines.push(
      "",
      `policy ${p.policyId}: allow→violate ${p.allowToViolate}, violate→allow ${p.violateToAllow} (of ${p.compared} compared${p.failed > 0 ? `; ${p.failed} with an engine failure` : ""})`,
    );
    for (const r of p.rules) lines.push(`  rule ${r.ruleId}: allow→violate ${r.allowToViolate}, violate→allow ${r.violateToAllow}`);
    for (const e of p.examples) lines.push(`  e.g. ${e.direction} ${exampleLine(e)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The diff as JSON: the meta and every count, with the examples. */
export function renderDiffJson(diff: DecisionDiff, meta: DiffMeta): string {
  return `${JSON.stringify({ ...meta, ...diff }, null, 2)}\n`;
}

/** The diff as a self-contained HTML page (no script, nothing fetched). */
export function renderDiffHtml(diff: DecisionDiff, meta: DiffMeta): string {
  const e = escapeHtml;
  const actions = Object.entries(diff.actions);
  const policyRows = diff.policies
    .map(
      (p) =>
        `<tr><td>${e(p.policyId)}</td><td class="num">${p.compared}</td><td class="num up">${p.allowToViolate}</td><td class="num down">${p.violateToAllow}</td><td class="num">${p.failed}</td></tr>`,
    )
    .join("");
  const sections = diff.policies
    .map((p) => {
      const rules = p.rules
        .map((r) => `<tr><td>${e(r.ruleId)}</td><td class="num up">${r.allowToViolate}</td><td class="num down">${r.violateToAllow}</td></tr>`)
        .join("");
      const examples = p.examples
        .map(
          (x) =>
            `<tr><td>${e(x.direction)}</td><td>${e(x.postId)}</td><td>${e(x.forumId)}</td><td>${e(side(x.before))}</td><td>${e(side(x.after))}</td><td>${e(x.after.rationale)}</td></tr>`,
        )
        .join("");
      return `<section><h2>${e(p.policyId)}</h2>
<table><thead><tr><th>rule</th><th>allow→violate</th><th>violate→allow</th></tr></thead><tbody>${rules || '<tr><td colspan="3">no flips</td></tr>'}</tbody></table>
<h3>Examples</h3><table class="examples"><thead><tr><th>flip</th><th>post</th><th>forum</th><th>in force</th><th>replayed</th><th>rationale</th></tr></thead><tbody>${examples || '<tr><td colspan="6">none</td></tr>'}</tbody></table></section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(meta.title)} ${e(meta.replayId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.num{text-align:right}.up{color:#b00}.down{color:#070}.meta td:first-child{font-weight:600}</style></head>
<body><h1>${e(meta.title)} ${e(meta.replayId)}</h1>
<table class="meta"><tr><td>policy</td><td>${e(meta.policy)}</td></tr><tr><td>range</td><td>${e(meta.range)}</td></tr><tr><td>created</td><td>${e(meta.createdAt)}</td></tr>
<tr><td>posts replayed</td><td>${diff.posts}</td></tr><tr><td>without a decision in force</td><td>${diff.withoutDecision}</td></tr><tr><td>changed</td><td>${diff.changed}</td></tr>
<tr><td>actions changed</td><td>${actions.length === 0 ? "none" : e(actions.map(([k, n]) => `${k} ${n}`).join(", "))}</td></tr></table>
<table class="policies"><thead><tr><th>policy</th><th>compared</th><th>allow→violate</th><th>violate→allow</th><th>engine failures</th></tr></thead><tbody>${policyRows}</tbody></table>
${sections}
</body></html>
`;
}
