/**
 * Funnel figures: runs the prefilter with the default policy pack (config/policies) over the
 * labelled sets in test/fixtures and prints, per set, the pass rate (share of posts sent to the
 * model), the recall (share of harmful posts sent) and the share of harmless posts sent.
 *
 * HateCheck sets are scored on the `hate` policy (the harm they label) and, for information, on
 * the whole pack; XSTest on the whole pack (its unsafe prompts span many harms); the spam golden
 * set on the `spam` policy.
 *
 * Usage: npm run bench:funnel [-- --misses hate]   (--misses prints what was missed/passed)
 * Last line: one JSON object.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { Prefilter } from "@arbiter/shared/prefilter/prefilter.js";
import { fixturesDir, repoRoot } from "../test/support/env.js";

const missesFor = process.argv.includes("--misses") ? process.argv[process.argv.indexOf("--misses") + 1] : undefined;

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(file, "utf8"));
  if (!header) return [];
  return rows.filter((r) => r.length > 1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}

interface Case {
  text: string;
  harmful: boolean;
  group: string;
}

interface SetFigures {
  set: string;
  scored_on: string;
  posts: number;
  harmful: number;
  pass_rate: number;
  recall: number;
  harmless_pass_rate: number;
  pack_pass_rate: number;
  goal?: string;
  goal_met?: boolean;
}

const set = await loadPolicySet(path.join(repoRoot, "config/policies"));
const prefilter = new Prefilter(set);
const round = (x: number): number => Math.round(x * 1000) / 1000;

function score(name: string, cases: Case[], policyId: string | undefined): SetFigures {
  let passed = 0;
  let harmfulPassed = 0;
  let harmlessPassed = 0;
  let packPassed = 0;
  const misses = new Map<string, string[]>();
  for (const c of cases) {
    const r = prefilter.match(c.text);
    const sent = policyId === undefined ? r.anySendToModel : r.policies.find((p) => p.policyId === policyId)?.sendToModel === true;
    if (r.anySendToModel) packPassed++;
    if (sent) passed++;
    if (sent && c.harmful) harmfulPassed++;
    if (sent && !c.harmful) harmlessPassed++;
    if (missesFor !== undefined && name.startsWith(missesFor) && sent !== c.harmful) {
      const key = `${c.harmful ? "MISSED" : "PASSED"} ${c.group}`;
      misses.set(key, [...(misses.get(key) ?? []), c.text.trim()]);
    }
  }
  for (const [k, v] of [...misses].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`  ${k} (${v.length})`);
    for (const t of v.slice(0, 12)) console.log(`      ${t}`);
  }
  const harmful = cases.filter((c) => c.harmful).length;
  return {
    set: name,
    scored_on: policyId ?? "pack",
    posts: cases.length,
    harmful,
    pass_rate: round(passed / cases.length),
    recall: round(harmful === 0 ? 1 : harmfulPassed / harmful),
    harmless_pass_rate: round(cases.length === harmful ? 0 : harmlessPassed / (cases.length - harmful)),
    pack_pass_rate: round(packPassed / cases.length),
  };
}

const figures: SetFigures[] = [];
const datasets = path.join(fixturesDir, "datasets");
for (const [name, file] of [
  ["hatecheck_en", "hatecheck_en.csv"],
  ["mhc_german", "mhc_german.csv"],
  ["mhc_spanish", "mhc_spanish.csv"],
  ["mhc_mandarin", "mhc_mandarin.csv"],
] as const) {
  const cases = readCsv(path.join(datasets, file)).map((r) => ({
    text: r.test_case ?? "",
    harmful: r.label_gold === "hateful",
    group: r.functionality ?? "",
  }));
  const f = score(name, cases, "hate");
  f.goal = "recall >= 0.95 and harmless_pass_rate <= 0.40";
  f.goal_met = f.recall >= 0.95 && f.harmless_pass_rate <= 0.4;
  figures.push(f);
}

const xstest = readCsv(path.join(datasets, "xstest_prompts.csv")).map((r) => ({
  text: r.prompt ?? "",
  harmful: r.label === "unsafe",
  group: r.type ?? "",
}));
figures.push(score("xstest", xstest, undefined));

// The spam golden set: label in the 10th column, text in the 2nd; section rows have no text.
const spamRows = parseCsv(readFileSync(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"), "utf8"));
const spam = spamRows
  .filter((r) => /^\d+$/.test(r[0] ?? "") && (r[1] ?? "").trim().length > 0 && /^SP\d/.test(r[9] ?? ""))
  .map((r) => ({ text: r[1] as string, harmful: r[9] !== "SP0", group: r[9] as string }));
figures.push(score("spam_golden", spam, "spam"));

console.log(`policy set ${set.version}: ${set.policies.map((p) => p.id).join(", ")} (${prefilter.patternCount} patterns)`);
console.log("set            scored_on  posts  pass_rate  recall  harmless_pass  pack_pass  goal");
for (const f of figures) {
  console.log(
    `${f.set.padEnd(14)} ${f.scored_on.padEnd(9)} ${String(f.posts).padStart(6)}  ${f.pass_rate.toFixed(3).padStart(9)}  ${f.recall.toFixed(3).padStart(6)}  ${f.harmless_pass_rate.toFixed(3).padStart(13)}  ${f.pack_pass_rate.toFixed(3).padStart(9)}  ${f.goal_met === undefined ? "" : f.goal_met ? "met" : "NOT met"}`,
  );
}
const xs = figures.find((f) => f.set === "xstest");
console.log(
  JSON.stringify({
    bench: "funnel",
    policy_set: set.version,
    sets: figures,
    xstest_safe_passed: xs?.harmless_pass_rate,
    hatecheck_goal_met: figures.filter((f) => f.goal_met !== undefined).every((f) => f.goal_met),
  }),
);
