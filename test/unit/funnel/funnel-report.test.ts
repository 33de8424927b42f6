import type { Audit, AuditEntry } from "@arbiter/shared/codec/records.js";
import { funnelReport, renderFunnelText } from "@arbiter/shared/funnel/funnel-report.js";

const entry = (policyId: string, decision: "violate" | "allow" | null): AuditEntry => ({
  policyId,
  policyVersion: "v1",
  reasoning: "",
  promptTokens: 0,
  generatedTokens: 0,
  latencyMs: 0,
  error: decision === null ? "EngineTimeoutError" : null,
  decision,
  ruleIds: decision === "violate" ? ["R1"] : [],
  confidence: decision === null ? null : 0.9,
});
const audit = (postId: string, stage: Audit["stage"], sampled: boolean, entries: AuditEntry[]): Audit => ({
  decisionId: `${stage}:s:${postId}`,
  postId,
  stage,
  modelId: "m",
  entries,
  createdAt: 1,
  sampled,
});

test("second look: posts reviewed and violations found per policy; its sampled slice feeds the miss rate as before", () => {
  const report = funnelReport([
    audit("a", "second_look", true, [entry("spam", "violate"), entry("cheats", "allow")]),
    audit("b", "second_look", false, [entry("spam", "allow"), entry("cheats", "allow")]),
    audit("c", "second_look", false, [entry("spam", "violate"), entry("cheats", "violate")]),
    audit("d", "second_look", false, [entry("spam", null)]),
    // Funnel audit sampling without the second look: a sample, not a second-look figure.
    audit("e", "prefilter", true, [entry("spam", "allow")]),
  ]);
  expect(report.samples).toBe(2);
  expect(report.policies.map((p) => [p.policyId, p.missRate.k, p.sampled])).toEqual([
    ["cheats", 0, 1],
    ["spam", 1, 2],
  ]);
  expect(report.secondLook).toEqual({
    reviewed: 4,
    violations: 2,
    policies: [
      { policyId: "cheats", reviewed: 3, violations: 1, examples: ["c"] },
      { policyId: "spam", reviewed: 3, violations: 2, examples: ["a", "c"] },
    ],
  });
  const text = renderFunnelText(report, "24h .. now");
  expect(text).toContain("second look 24h .. now: 4 post(s) the prefilter allowed reviewed by the model, 2 found violating");
  expect(text).toContain("policy spam: 2 of 3 reviewed say violate; e.g. a, c");
});

test("no second-look records: no second-look figures", () => {
  const report = funnelReport([audit("e", "prefilter", true, [entry("spam", "violate")])]);
  expect(report.secondLook).toBeUndefined();
  expect(renderFunnelText(report, "w")).not.toContain("second look");
});
