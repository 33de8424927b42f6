import type { Post } from "@arbiter/shared/codec/records.js";
import { decide, prefilterDecision } from "@arbiter/shared/pipeline/decide.js";
import { decisionId } from "@arbiter/shared/codec/decision-identity.js";
import type { ModelVerdict, PipelinePolicy } from "@arbiter/shared/pipeline/ports.js";

const post: Post = { id: "p1", forumId: "games", authorId: "a", text: "text", language: null, createdAt: 5, metadata: {} };
const spam: PipelinePolicy = {
  id: "spam",
  version: "v1",
  body: "",
  reasoningEffort: "low",
  escalationThreshold: 0.7,
  escalateRuleIds: new Set(["SP4"]),
  ruleIds: ["SP2", "SP4"],
  onViolate: "hide",
  page: false,
};
const cheats: PipelinePolicy = {
  id: "cheats",
  version: "v9",
  body: "",
  reasoningEffort: "low",
  escalationThreshold: 0.6,
  escalateRuleIds: new Set(),
  ruleIds: ["CH1"],
  onViolate: "hide",
  page: false,
};

function model(policy: PipelinePolicy, decision: "violate" | "allow", confidence: number, ruleIds: string[] = []): ModelVerdict {
  return {
    policyId: policy.id,
    policyVersion: policy.version,
    decision,
    confidence,
    ruleIds,
    rationale: "r",
    reasoning: "secret chain of thought",
    promptTokens: 10,
    generatedTokens: 5,
    latencyMs: 3,
  };
}

const base = {
  post,
  policies: [spam, cheats],
  stage: "primary" as const,
  policySetVersion: "set-1",
  modelId: "m",
  effort: "low",
  latencyMs: 1,
  truncated: false,
  now: 100,
};

test("a confident violation hides; the decision has no reasoning but the audit does", () => {
  const out = decide({
    ...base,
    outcomes: [
      { kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.9, ["SP2"]) },
      { kind: "prefilter", policyId: "cheats" },
    ],
  });
  expect(out.decision.action).toBe("HIDE");
  expect(out.decision.stage).toBe("primary");
  expect(JSON.stringify(out.decision)).not.toContain("secret chain of thought");
  expect(out.audit?.entries[0]?.reasoning).toBe("secret chain of thought");
  expect(out.escalation).toBeNull();
});

test("a verdict below its policy's threshold escalates and the action is REVIEW", () => {
  const out = decide({
    ...base,
    outcomes: [
      { kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.69) },
      { kind: "prefilter", policyId: "cheats" },
    ],
  });
  expect(out.decision.action).toBe("REVIEW");
  expect(out.escalation?.reason).toBe("LOW_CONFIDENCE");
  expect(out.escalation?.policyIds).toEqual(["spam"]);
  // Same confidence, other policy's lower threshold: no escalation.
  const ok = decide({ ...base, outcomes: [{ kind: "model", policyId: "cheats", verdict: model(cheats, "allow", 0.69) }] });
  expect(ok.decision.action).toBe("ALLOW");
  expect(ok.escalation).toBeNull();
});

test("a rule the policy marks for escalation escalates whatever the confidence", () => {
  const out = decide({ ...base, outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.99, ["SP4"]) }] });
  expect(out.escalation?.reason).toBe("POLICY_RULE");
  expect(out.decision.action).toBe("REVIEW");
});

test("an engine failure never becomes an ALLOW", () => {
  const out = decide({
    ...base,
    outcomes: [
      { kind: "failure", policyId: "spam", errorClass: "EngineTimeoutError", message: "timed out", attempts: 2 },
      { kind: "prefilter", policyId: "cheats" },
    ],
  });
  expect(out.decision.action).toBe("REVIEW");
  expect(out.escalation?.reason).toBe("ENGINE_FAILURE");
  expect(out.decision.verdicts.find((v) => v.policyId === "spam")?.source).toBe("failure");
  expect(out.audit?.entries[0]?.error).toMatch(/EngineTimeoutError.*2 attempts/);
});

test("all-prefilter posts are decided at the prefilter stage, naming the policy set instead of listing each policy", () => {
  const out = decide({
    ...base,
    outcomes: [
      { kind: "prefilter", policyId: "spam" },
      { kind: "prefilter", policyId: "cheats" },
    ],
  });
  expect(out.decision).toMatchObject({ action: "ALLOW", stage: "prefilter", modelId: null, effort: null, policySetVersion: "set-1", verdicts: [] });
  expect(out.audit).toBeNull();
  const mixed = decide({
    ...base,
    outcomes: [
      { kind: "model", policyId: "spam", verdict: model(spam, "allow", 0.9) },
      { kind: "prefilter", policyId: "cheats" },
    ],
  });
  expect(mixed.decision.verdicts.map((v) => v.policyId)).toEqual(["spam"]);
});

test("the prefilter fast path gives exactly the decision that decide gives for prefilter outcomes only", () => {
  for (const truncated of [false, true]) {
    const input = { ...base, truncated, latencyMs: 0.25, now: 1234 };
    const general = decide({
      ...input,
      outcomes: [
        { kind: "prefilter", policyId: "spam" },
        { kind: "prefilter", policyId: "cheats" },
      ],
    });
    expect(general.escalation).toBeNull();
    expect(general.ticket).toBeNull();
    expect(prefilterDecision(input)).toStrictEqual(general.decision);
  }
});

test("the escalation stage raises a ticket for what is still unsure and keeps earlier verdicts", () => {
  const earlier = decide({
    ...base,
    outcomes: [
      { kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.5) },
      { kind: "model", policyId: "cheats", verdict: model(cheats, "allow", 0.95) },
    ],
  });
  const out = decide({
    ...base,
    stage: "escalation",
    policies: [spam],
    outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.55) }],
    earlier: earlier.decision.verdicts,
  });
  expect(out.decision.stage).toBe("escalation");
  expect(out.ticket).not.toBeNull();
  expect(out.escalation).toBeNull();
  expect(out.decision.verdicts.map((v) => v.policyId).sort()).toEqual(["cheats", "spam"]);
  const sure = decide({
    ...base,
    stage: "escalation",
    policies: [spam],
    outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.95) }],
    earlier: earlier.decision.verdicts,
  });
  expect(sure.decision.action).toBe("HIDE");
  expect(sure.ticket).toBeNull();
});

test("decision ids are deterministic and change with policy versions and stage", () => {
  const v = decide({
    ...base,
    outcomes: [
      { kind: "model", policyId: "spam", verdict: model(spam, "allow", 0.9) },
      { kind: "model", policyId: "cheats", verdict: model(cheats, "allow", 0.9) },
    ],
  }).decision.verdicts;
  expect(v).toHaveLength(2);
  expect(decisionId("p1", "s", v, "primary")).toBe(decisionId("p1", "s", [...v].reverse(), "primary"));
  expect(decisionId("p1", "s", v, "primary")).not.toBe(decisionId("p1", "s", v, "escalation"));
  expect(decisionId("p1", "s", v, "primary")).not.toBe(decisionId("p1", "s", [{ ...v[0]!, policyVersion: "v2" }, v[1]!], "primary"));
  expect(decisionId("p1", "s", v, "primary")).not.toBe(decisionId("p1", "s2", v, "primary"));
});

const selfHarm: PipelinePolicy = {
  id: "self-harm",
  version: "v3",
  body: "",
  reasoningEffort: "low",
  escalationThreshold: 0.8,
  escalateRuleIds: new Set(["SH2"]),
  ruleIds: ["SH1", "SH2"],
  onViolate: "banner",
  page: true,
};
const reviewOnly: PipelinePolicy = {
  id: "fake-reviews",
  version: "v1",
  body: "",
  reasoningEffort: "low",
  escalationThreshold: 0.5,
  escalateRuleIds: new Set(),
  ruleIds: ["FR1"],
  onViolate: "review",
  page: false,
};

test("a banner policy's violation, sure or not, gives BANNER and carries the policy's actions on the verdict", () => {
  const sure = decide({
    ...base,
    policies: [selfHarm],
    outcomes: [{ kind: "model", policyId: "self-harm", verdict: model(selfHarm, "violate", 0.95, ["SH1"]) }],
  });
  expect(sure.decision.action).toBe("BANNER");
  expect(sure.decision.verdicts[0]).toMatchObject({ onViolate: "banner", page: true, escalate: false });
  expect(sure.escalation).toBeNull();
  const unsure = decide({
    ...base,
    policies: [selfHarm],
    outcomes: [{ kind: "model", policyId: "self-harm", verdict: model(selfHarm, "violate", 0.99, ["SH2"]) }],
  });
  expect(unsure.decision.action).toBe("BANNER");
  expect(unsure.escalation?.reason).toBe("POLICY_RULE");
  // A hide policy's sure violation wins over a banner: the post is hidden (the counsellor is still paged from the verdicts).
  const both = decide({
    ...base,
    policies: [selfHarm, spam],
    outcomes: [
      { kind: "model", policyId: "self-harm", verdict: model(selfHarm, "violate", 0.95, ["SH1"]) },
      { kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.95, ["SP2"]) },
    ],
  });
  expect(both.decision.action).toBe("HIDE");
});

test("a review-only policy never lets a model act: its violation escalates, then becomes a ticket", () => {
  const primary = decide({
    ...base,
    policies: [reviewOnly],
    outcomes: [{ kind: "model", policyId: "fake-reviews", verdict: model(reviewOnly, "violate", 0.99, ["FR1"]) }],
  });
  expect(primary.decision.action).toBe("REVIEW");
  expect(primary.escalation?.reason).toBe("POLICY_RULE");
  const final = decide({
    ...base,
    stage: "escalation",
    policies: [reviewOnly],
    outcomes: [{ kind: "model", policyId: "fake-reviews", verdict: model(reviewOnly, "violate", 0.99, ["FR1"]) }],
  });
  expect(final.decision.action).toBe("REVIEW");
  expect(final.ticket).not.toBeNull();
  expect(
    decide({ ...base, policies: [reviewOnly], outcomes: [{ kind: "model", policyId: "fake-reviews", verdict: model(reviewOnly, "allow", 0.99) }] }).decision
      .action,
  ).toBe("ALLOW");
});

test("a ticket carries the decision it follows, its stage, the policy-set version and the reasoning of the call that raised it", () => {
  const out = decide({ ...base, stage: "escalation", policies: [spam], outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.5) }] });
  expect(out.ticket).toMatchObject({
    ticketId: `${out.decision.decisionId}:ticket`,
    decisionId: out.decision.decisionId,
    stage: "escalation",
    policySetVersion: "set-1",
    reasoning: [{ policyId: "spam", policyVersion: "v1", reasoning: "secret chain of thought" }],
    appealId: null,
  });
});

test("an appeal is decided at stage appeal, its own decision per appeal, and what is unsure becomes a ticket naming the appeal", () => {
  const appeal = (appealId: string) =>
    decide({ ...base, stage: "appeal", appealId, policies: [spam], outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "allow", 0.4) }] });
  const first = appeal("ap-1");
  expect(first.decision).toMatchObject({ stage: "appeal", appealId: "ap-1", action: "REVIEW" });
  expect(first.decision.decisionId).toBe(appeal("ap-1").decision.decisionId);
  expect(first.decision.decisionId).not.toBe(appeal("ap-2").decision.decisionId);
  expect(first.decision.decisionId.startsWith(decisionId("p1", "set-1", first.decision.verdicts, "appeal"))).toBe(true);
  expect(first.ticket).toMatchObject({ stage: "appeal", appealId: "ap-1" });
  expect(first.audit?.stage).toBe("appeal");
  expect(first.escalation).toBeNull();
});

describe("a post the model did not read whole", () => {
  test("a sure allow of a truncated post goes to review with its reason, never ALLOW, and the windows read are recorded", () => {
    const out = decide({
      ...base,
      truncated: true,
      windowsRead: 4,
      outcomes: [
        { kind: "model", policyId: "spam", verdict: model(spam, "allow", 0.99) },
        { kind: "prefilter", policyId: "cheats" },
      ],
    });
    expect(out.decision).toMatchObject({ action: "REVIEW", truncated: true, windowsRead: 4 });
    expect(out.decision.verdicts[0]).toMatchObject({ policyId: "spam", decision: "allow", escalate: true });
    expect(out.escalation).toMatchObject({ reason: "LOW_CONFIDENCE", policyIds: ["spam"] });
    expect(out.escalation?.detail).toContain("spam: UNREAD");
  });

  test("a cached allow of a truncated post goes to review too", () => {
    const { reasoning: _r, promptTokens: _p, generatedTokens: _g, latencyMs: _l, ...cached } = model(cheats, "allow", 1);
    const out = decide({ ...base, truncated: true, windowsRead: 2, outcomes: [{ kind: "cache", policyId: "cheats", verdict: cached }] });
    expect(out.decision.action).toBe("REVIEW");
  });

  test("the same allow of a post read whole (in windows) is an ALLOW", () => {
    const out = decide({ ...base, windowsRead: 3, outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "allow", 0.99) }] });
    expect(out.decision).toMatchObject({ action: "ALLOW", truncated: false, windowsRead: 3 });
    expect(out.escalation).toBeNull();
  });

  test("a violation found in any window wins over the unread rest", () => {
    const out = decide({
      ...base,
      truncated: true,
      windowsRead: 1,
      outcomes: [
        { kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.95, ["SP2"]) },
        { kind: "model", policyId: "cheats", verdict: model(cheats, "allow", 0.95) },
      ],
    });
    expect(out.decision.action).toBe("HIDE");
    // The unread allow still goes to the escalation tier.
    expect(out.escalation?.policyIds).toEqual(["cheats"]);
  });

  test("whatever the outcomes, truncated never ends in ALLOW", () => {
    const kinds = [
      { kind: "model" as const, policyId: "spam", verdict: model(spam, "allow", 1) },
      { kind: "model" as const, policyId: "spam", verdict: model(spam, "violate", 0.2) },
      { kind: "prefilter" as const, policyId: "spam" },
      { kind: "failure" as const, policyId: "spam", errorClass: "E", message: "m", attempts: 1 },
    ];
    for (const a of kinds)
      for (const b of [
        { kind: "prefilter" as const, policyId: "cheats" },
        { kind: "model" as const, policyId: "cheats", verdict: model(cheats, "allow", 1) },
      ]) {
        const { decision } = decide({ ...base, truncated: true, windowsRead: 4, outcomes: [a, b] });
        if (decision.truncated) expect(decision.action).not.toBe("ALLOW");
      }
  });

  test("a post all of whose policies the prefilter decided is no truncated read, and no window was read", () => {
    const out = decide({ ...base, truncated: true, windowsRead: 2, outcomes: [{ kind: "prefilter", policyId: "spam" }] });
    expect(out.decision).toMatchObject({ stage: "prefilter", action: "ALLOW", truncated: false, windowsRead: 0 });
    expect(prefilterDecision({ post, policySetVersion: "s", latencyMs: 1, now: 1 })).toMatchObject({ truncated: false, windowsRead: 0 });
  });
});

test("at stage second_look a sure violation hides and an unsure one goes up a tier, as at the primary stage", () => {
  const sure = decide({
    ...base,
    stage: "second_look",
    policies: [spam],
    outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.95, ["SP2"]) }],
  });
  expect(sure.decision).toMatchObject({ stage: "second_look", action: "HIDE", modelId: "m" });
  expect(sure.decision.decisionId.startsWith("second_look:set-1:p1")).toBe(true);
  expect(sure.audit).toMatchObject({ stage: "second_look", sampled: false });
  expect(sure.escalation).toBeNull();
  const unsure = decide({
    ...base,
    stage: "second_look",
    policies: [spam],
    outcomes: [{ kind: "model", policyId: "spam", verdict: model(spam, "violate", 0.5, ["SP2"]) }],
  });
  expect(unsure.decision.action).toBe("REVIEW");
  expect(unsure.escalation).toMatchObject({ reason: "LOW_CONFIDENCE", policyIds: ["spam"] });
  expect(unsure.ticket).toBeNull();
});
