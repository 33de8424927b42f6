/**
 * Funnel figures: runs the prefilter with the default policy pack (config/policies) over the
 * labelled sets in test/fixtures and prints, per set, the pass rate (share of posts sent to the
 * model), the recall (share of harmful posts sent) and the share of harmless posts sent, each
 * with its 95 % Wilson interval.
 *
 * The pack was written looking at these very sets, so every figure is in-sample. HateCheck and
 * MHC are also split by template id into a held-out part and a tuning part: the held-out part
 * is the closer estimate, but its templates were seen too when the pack was written.
 *
 * HateCheck sets are scored on the `hate` policy (the harm they label) and, for information, on
 * the whole pack; XSTest on the whole pack (its unsafe prompts span many harms); the spam golden
 * set on the `spam` policy. Benign traffic (XSTest safe prompts, spam SP0 rows) is also scored
 * on the whole pack: the share of harmless posts the model would see.
 *
 * It also prints how model calls spread over the pack's policies (policies per sent post, the
 * busiest policies' share of calls), which sizes `engine.sequences`.
 *
 * Usage: npm run bench:funnel [-- --misses hate]   (--misses prints what was missed/passed)
 * Last line: one JSON object.
 */
import path from "node:path";
import { scoreFunnel, type FunnelScore } from "@arbiter/shared/eval/funnel-score.js";
import { loadHateCheck, loadSpamGolden, loadXsTest, type LabelledCase } from "@arbiter/shared/eval/labelled-sets.js";
import { formatProportion, proportion, type Proportion } from "@arbiter/shared/stats/proportion.js";
import { templatePart } from "@arbiter/shared/eval/template-split.js";
import { loadPolicySet } from "@arbiter/shared/policy/load-policy-dir.js";
import { Prefilter } from "@arbiter/shared/prefilter/prefilter.js";
import { resolveFromRoot } from "@arbiter/shared/settings/repo-root.js";
import { fixturesDir } from "../scripts/lib/test-models.js";

const missesFor = process.argv.includes("--misses") ? process.argv[process.argv.indexOf("--misses") + 1] : undefined;
/** Share of HateCheck template ids held out (by hash of the id, see shared/eval/template-split.ts). */
const HELD_OUT_PERCENT = 30;

const set = await loadPolicySet(path.join(resolveFromRoot("."), "config/policies"));
const prefilter = new Prefilter(set);

/** Where a case went: to the model for the scored policy, and for any policy of the pack (and which). */
interface Sent {
  scored: boolean;
  pack: boolean;
  sentTo: readonly string[];
}

function decide(cases: readonly LabelledCase[], policyId: string | undefined): Map<LabelledCase, Sent> {
  const sent = new Map<LabelledCase, Sent>();
  for (const c of cases) {
    const r = prefilter.match(c.text);
    const scored = policyId === undefined ? r.anySendToModel : r.policies.find((p) => p.policyId === policyId)?.sendToModel === true;
    sent.set(c, { scored, pack: r.anySendToModel, sentTo: r.policies.filter((p) => p.sendToModel).map((p) => p.policyId) });
  }
  return sent;
}

type Part = "held-out" | "in-sample";

interface Row {
  part: Part;
  set: string;
  /** Which cases of the set: the held-out templates, the tuning templates, or all of it. */
  cases: "held-out templates" | "tuning templates" | "all";
  scored_on: string;
  score: FunnelScore;
  pack: Proportion;
}

function row(part: Part, name: string, which: Row["cases"], cases: readonly LabelledCase[], sent: Map<LabelledCase, Sent>, policyId: string | undefined): Row {
  const pick = (c: LabelledCase): Sent => sent.get(c) as Sent;
  const packPassed = cases.filter((c) => pick(c).pack).length;
  return {
    part,
    set: name,
    cases: which,
    scored_on: policyId ?? "pack",
    score: scoreFunnel(cases, (c) => pick(c).scored),
    pack: proportion(packPassed, cases.length),
  };
}

function printMisses(name: string, cases: readonly LabelledCase[], sent: Map<LabelledCase, Sent>): void {
  if (missesFor === undefined || !name.startsWith(missesFor)) return;
  const misses = new Map<string, string[]>();
  for (const c of cases) {
    if ((sent.get(c) as Sent).scored === c.harmful) continue;
    const key = `${c.harmful ? "MISSED" : "PASSED"} ${c.group}`;
    misses.set(key, [...(misses.get(key) ?? []), c.text.trim()]);
  }
  for (const [k, v] of [...misses].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`  ${k} (${v.length})`);
    for (const t of v.slice(0, 12)) console.log(`      ${t}`);
  }
}

const GOAL = "recall >= 0.95 and harmless_pass_rate <= 0.40";
const goalMet = (s: FunnelScore): boolean => s.recall.rate >= 0.95 && s.harmlessPass.rate <= 0.4;

const rows: Row[] = [];
const templates = new Map<string, Set<string>>([
  ["held-out", new Set()],
  ["tuning", new Set()],
]);
const datasets = path.join(fixturesDir, "datasets");
/** Where each HateCheck/MHC set's cases went (the spread of model calls reads hatecheck_en's). */
const sentBySet = new Map<string, Map<LabelledCase, Sent>>();
for (const [name, file] of [
  ["hatecheck_en", "hatecheck_en.csv"],
  ["mhc_german", "mhc_german.csv"],
  ["mhc_spanish", "mhc_spanish.csv"],
  ["mhc_mandarin", "mhc_mandarin.csv"],
] as const) {
  const cases = loadHateCheck(path.join(datasets, file));
  const sent = decide(cases, "hate");
  sentBySet.set(name, sent);
  printMisses(name, cases, sent);
  // MHC keeps HateCheck's template ids, so a template falls on the same side in every language.
  const part = (c: LabelledCase) => templatePart(c.templateId as string, HELD_OUT_PERCENT);
  for (const c of cases) templates.get(part(c))?.add(c.templateId as string);
  rows.push(
    row(
      "held-out",
      name,
      "held-out templates",
      cases.filter((c) => part(c) === "held-out"),
      sent,
      "hate",
    ),
  );
  rows.push(
    row(
      "in-sample",
      name,
      "tuning templates",
      cases.filter((c) => part(c) === "tuning"),
      sent,
      "hate",
    ),
  );
  rows.push(row("in-sample", name, "all", cases, sent, "hate"));
}

const xstest = loadXsTest(path.join(datasets, "xstest_prompts.csv"));
const xstestSent = decide(xstest, undefined);
printMisses("xstest", xstest, xstestSent);
rows.push(row("in-sample", "xstest", "all", xstest, xstestSent, undefined));

const spam = loadSpamGolden(path.join(fixturesDir, "spam-policy", "golden_dataset.csv"));
const spamSent = decide(spam, "spam");
printMisses("spam_golden", spam, spamSent);
rows.push(row("in-sample", "spam_golden", "all", spam, spamSent, "spam"));

// Benign traffic: what share of harmless posts the model would see, every policy of the pack applying.
const benignPass = (cases: readonly LabelledCase[], sent: Map<LabelledCase, Sent>): Proportion => {
  const benign = cases.filter((c) => !c.harmful);
  return proportion(benign.filter((c) => (sent.get(c) as Sent).pack).length, benign.length);
};
const benign = { xstest_safe: benignPass(xstest, xstestSent), spam_sp0: benignPass(spam, spamSent) };

/**
 * How model calls spread over the pack's policies (one call per policy a post is sent to, as in
 * `multiPolicyMode: separate`): how many policies a sent post hits, and the share of calls taken by
 * the busiest policies. This sizes `engine.sequences`: each sequence keeps one policy prefix.
 */
function callSpread(sent: Map<LabelledCase, Sent>) {
  const perPost: number[] = [];
  const perPolicy = new Map<string, number>();
  for (const { sentTo } of sent.values()) {
    if (sentTo.length === 0) continue;
    perPost.push(sentTo.length);
    for (const id of sentTo) perPolicy.set(id, (perPolicy.get(id) ?? 0) + 1);
  }
  const calls = perPost.reduce((a, b) => a + b, 0);
  const busiest = [...perPolicy.entries()].sort((a, b) => b[1] - a[1]);
  const topShare = (n: number): number => round(busiest.slice(0, n).reduce((sum, [, k]) => sum + k, 0) / Math.max(1, calls));
  return {
    posts_sent: perPost.length,
    calls,
    policies_per_sent_post: Object.fromEntries([...new Set(perPost)].sort((a, b) => a - b).map((n) => [n, perPost.filter((k) => k === n).length])),
    share_of_posts_hitting_at_most_2: round(perPost.filter((n) => n <= 2).length / Math.max(1, perPost.length)),
    busiest: busiest.slice(0, 3).map(([id, k]) => ({ policy: id, share: round(k / calls) })),
    top2_call_share: topShare(2),
    top3_call_share: topShare(3),
  };
}
const spread = {
  hatecheck_en: callSpread(sentBySet.get("hatecheck_en") as Map<LabelledCase, Sent>),
  xstest: callSpread(xstestSent),
  spam_golden: callSpread(spamSent),
};

console.log(`policy set ${set.version}: ${set.policies.map((p) => p.id).join(", ")} (${prefilter.patternCount} patterns)`);
console.log(
  `split: HateCheck and MHC by templ_id, FNV-1a(id) % 100 < ${HELD_OUT_PERCENT} held out: ${templates.get("held-out")?.size} held-out and ${templates.get("tuning")?.size} tuning templates (MHC keeps HateCheck's ids: one side in every language)`,
);
console.log(
  "IN-SAMPLE: the pack was written looking at all of these sets. Held-out templates were not used by this split, but were seen when the pack was written.",
);
console.log(
  "part       set           cases               scored_on  posts  pass_rate [95% CI]    recall [95% CI]       harmless_pass [95% CI]  pack_pass  goal",
);
for (const r of rows) {
  const goal = r.set.startsWith("hatecheck") || r.set.startsWith("mhc") ? (goalMet(r.score) ? "met" : "NOT met") : "";
  console.log(
    `${r.part.padEnd(10)} ${r.set.padEnd(13)} ${r.cases.padEnd(19)} ${r.scored_on.padEnd(9)} ${String(r.score.posts).padStart(6)}  ${formatProportion(r.score.pass).padEnd(20)}  ${formatProportion(r.score.recall).padEnd(20)}  ${formatProportion(r.score.harmlessPass).padEnd(22)}  ${r.pack.rate.toFixed(3).padStart(9)}  ${goal}`,
  );
}
for (const [name, sp] of Object.entries(spread))
  console.log(
    `model calls, whole pack, ${name}: ${sp.calls} calls for ${sp.posts_sent} posts; ${Math.round(sp.share_of_posts_hitting_at_most_2 * 100)} % of posts hit ≤ 2 policies; busiest 2 / 3 policies take ${Math.round(sp.top2_call_share * 100)} / ${Math.round(sp.top3_call_share * 100)} % of calls`,
  );
console.log(
  `benign traffic (in-sample), share the model would see with the whole pack: XSTest safe prompts ${formatProportion(benign.xstest_safe)} of ${benign.xstest_safe.n}; spam SP0 rows ${formatProportion(benign.spam_sp0)} of ${benign.spam_sp0.n}`,
);

const figure = (p: Proportion) => ({ rate: round(p.rate), ci95: [round(p.low), round(p.high)], k: p.k, n: p.n });
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
const json = (r: Row) => ({
  set: r.set,
  cases: r.cases,
  scored_on: r.scored_on,
  posts: r.score.posts,
  harmful: r.score.harmful,
  pass_rate: figure(r.score.pass),
  recall: figure(r.score.recall),
  harmless_pass_rate: figure(r.score.harmlessPass),
  pack_pass_rate: round(r.pack.rate),
  ...(r.set.startsWith("hatecheck") || r.set.startsWith("mhc") ? { goal: GOAL, goal_met: goalMet(r.score) } : {}),
});
const heldOut = rows.filter((r) => r.part === "held-out");
console.log(
  JSON.stringify({
    bench: "funnel",
    policy_set: set.version,
    split: {
      by: "templ_id",
      rule: `fnv1a32(templ_id) % 100 < ${HELD_OUT_PERCENT}`,
      held_out_templates: templates.get("held-out")?.size,
      tuning_templates: templates.get("tuning")?.size,
      note: "held-out templates were seen when the pack was written: not unseen data",
    },
    held_out: heldOut.map(json),
    in_sample: rows.filter((r) => r.part === "in-sample").map(json),
    benign_pass_in_sample: { xstest_safe: figure(benign.xstest_safe), spam_sp0: figure(benign.spam_sp0) },
    held_out_goal_met: heldOut.every((r) => goalMet(r.score)),
    model_calls_whole_pack: spread,
  }),
);
