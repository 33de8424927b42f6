import type { Audit } from "../codec/records.js";
import { formatProportion, proportion, type Proportion } from "../stats/proportion.js";

/** One policy's audit samples: how many posts the prefilter let through the model read, and how many it says violate. */
export interface PolicyMisses {
  policyId: string;
  /** Samples with a verdict (engine failures are left out). */
  sampled: number;
  /** The prefilter's miss rate: the share of sampled posts the model says violate, with its 95 % Wilson interval. */
  missRate: Proportion;
  /** Violate verdicts by rule id. */
  rules: Record<string, number>;
  /** Post ids of some misses, to look at. */
  examples: string[];
}

/** What the second look found in one policy's allows: posts reviewed, and how many of them the model says violate (the funnel's measured misses). */
export interface SecondLookPolicy {
  policyId: string;
  reviewed: number;
  violations: number;
  /** Post ids of some violations found. */
  examples: string[];
}

/** The second look's figures (audit records at stage second_look); absent from reports of windows where it did not run. */
export interface SecondLookFigures {
  /** Posts the prefilter allowed that the second look had the model read. */
  reviewed: number;
  /** Of those, posts the model says violate under some policy. */
  violations: number;
  policies: SecondLookPolicy[];
}

export interface FunnelReport {
  /** Sampled audit records read. */
  samples: number;
  policies: PolicyMisses[];
  /** The second look, when its audit records are in the window (stage second_look). */
  secondLook?: SecondLookFigures;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The second look's figures from its audit records (stage second_look): a post counted once (its last record). Null when there are none. */
export function secondLookFigures(audits: Iterable<Audit>, examples = 5): SecondLookFigures | null {
  const latest = new Map<string, Audit>();
  for (const a of audits) if (a.stage === "second_look") latest.set(a.postId, a);
  if (latest.size === 0) return null;
  const byPolicy = new Map<string, SecondLookPolicy>();
  let violations = 0;
  for (const audit of [...latest.values()].sort((a, b) => byId(a.postId, b.postId))) {
    let violates = false;
    for (const e of audit.entries) {
      if (e.decision === null) continue;
      const t = byPolicy.get(e.policyId) ?? byPolicy.set(e.policyId, { policyId: e.policyId, reviewed: 0, violations: 0, examples: [] }).get(e.policyId)!;
      t.reviewed++;
      if (e.decision !== "violate") continue;
      violates = true;
      t.violations++;
      if (t.examples.length < examples) t.examples.push(audit.postId);
    }
    if (violates) violations++;
  }
  return { reviewed: latest.size, violations, policies: [...byPolicy.values()].sort((a, b) => byId(a.policyId, b.policyId)) };
}

/**
 * The prefilter's miss rate per policy from funnel audit samples (audit records marked
 * `sampled`): a post counted once per policy (the last sample of it wins); and, where the
 * second look ran, what it reviewed and found (all its audit records, sampled or not). Pure.
 */
export function funnelReport(audits: readonly Audit[], examples = 5): FunnelReport {
  const latest = new Map<string, Audit>();
  for (const a of audits) if (a.sampled) latest.set(a.postId, a);
  const byPolicy = new Map<string, { n: number; k: number; rules: Record<string, number>; examples: string[] }>();
  for (const audit of [...latest.values()].sort((a, b) => (a.postId < b.postId ? -1 : a.postId > b.postId ? 1 : 0))) {
    for (const e of audit.entries) {
      if (e.decision === null) continue;
      const t = byPolicy.get(e.policyId) ?? byPolicy.set(e.policyId, { n: 0, k: 0, rules: {}, examples: [] }).get(e.policyId)!;
      t.n++;
      if (e.decision !== "violate") continue;
      t.k++;
      for (const rule of e.ruleIds) t.rules[rule] = (t.rules[rule] ?? 0) + 1;
      if (t.examples.length < examples) t.examples.push(audit.postId);
    }
  }
  const policies = [...byPolicy]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([policyId, t]) => ({ policyId, sampled: t.n, missRate: proportion(t.k, t.n), rules: t.rules, examples: t.examples }));
  const secondLook = secondLookFigures(audits, examples);
  return { samples: latest.size, policies, ...(secondLook ? { secondLook } : {}) };
}

export function renderFunnelText(report: FunnelReport, window: string): string {
  const lines = [`funnel audit samples ${window}: ${report.samples} post(s) the prefilter allowed, read by the model`];
  if (report.policies.length === 0) lines.push("no samples in this window (pipeline.auditSampleRate, and is a primary worker running?)");
  for (const p of report.policies) {
    const rules = Object.entries(p.rules)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ");
    lines.push(
      `policy ${p.policyId}: miss rate ${formatProportion(p.missRate)} (${p.missRate.k} of ${p.sampled} sampled say violate)${rules ? `; rules: ${rules}` : ""}${p.examples.length > 0 ? `; e.g. ${p.examples.join(", ")}` : ""}`,
    );
  }
  const look = report.secondLook;
  if (look) {
    lines.push(
      `second look ${window}: ${look.reviewed} post(s) the prefilter allowed reviewed by the model, ${look.violations} found violating (the funnel's measured misses)`,
    );
    for (const p of look.policies)
      lines.push(
        `policy ${p.policyId}: ${p.violations} of ${p.reviewed} reviewed say violate${p.examples.length > 0 ? `; e.g. ${p.examples.join(", ")}` : ""}`,
      );
    lines.push("posts skipped past secondLook.maxAgeMinutes and the share reviewed: the worker's arbiter_second_look_* metrics");
  }
  return `${lines.join("\n")}\n`;
}
