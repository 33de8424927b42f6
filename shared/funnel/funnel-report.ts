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

export interface FunnelReport {
  /** Sampled audit records read. */
  samples: number;
  policies: PolicyMisses[];
}

/**
 * The prefilter's miss rate per policy from funnel audit samples (audit records marked
 * `sampled`): a post counted once per policy (the last sample of it wins). Pure.
 */
export function funnelReport(audits: Iterable<Audit>, examples = 5): FunnelReport {
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
  return { samples: latest.size, policies };
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
  return `${lines.join("\n")}\n`;
}
