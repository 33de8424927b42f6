import type { Decision, PolicyVerdict } from "@arbiter/shared/codec/records.js";
import { diffDecisions } from "@arbiter/shared/replay/decision-diff.js";
import { renderDiffHtml, renderDiffJson, renderDiffText } from "@arbiter/shared/replay/diff-report.js";

function verdict(policyId: string, decision: "violate" | "allow", ruleIds: string[] = [], source: PolicyVerdict["source"] = "model"): PolicyVerdict {
  return {
    policyId,
    policyVersion: "v",
    decision,
    ruleIds,
    confidence: 0.9,
    rationale: `${policyId} ${decision}`,
    source,
    escalate: false,
    onViolate: "hide",
    page: false,
  };
}

function decision(
  postId: string,
  verdicts: PolicyVerdict[],
  action: Decision["action"] = verdicts.some((v) => v.decision === "violate") ? "HIDE" : "ALLOW",
): Decision {
  return {
    decisionId: `d:${postId}`,
    postId,
    forumId: "games",
    action,
    stage: "primary",
    policySetVersion: "s",
    verdicts,
    modelId: null,
    effort: null,
    latencyMs: 1,
    truncated: false,
    postCreatedAt: 0,
    decidedAt: 0,
    replayId: null,
    ticketId: null,
    appealId: null,
    unreadable: null,
  };
}

describe("diffDecisions", () => {
  const inForce = new Map([
    ["a", decision("a", [verdict("spam", "violate", ["SP2"])])],
    ["b", decision("b", [])],
    ["c", decision("c", [verdict("spam", "violate", ["SP2", "SP4"]), verdict("hate", "allow")])],
    ["d", decision("d", [verdict("spam", "allow")])],
    ["e", decision("e", [verdict("spam", "allow", [], "failure")], "REVIEW")],
  ]);
  const replayed = new Map([
    // violate → allow at the prefilter (no verdict listed)
    ["a", decision("a", [])],
    // allow (prefilter) → violate SP4
    ["b", decision("b", [verdict("spam", "violate", ["SP4"])])],
    // spam violate → allow, hate allow → violate HT1
    ["c", decision("c", [verdict("spam", "allow"), verdict("hate", "violate", ["HT1"])])],
    // unchanged
    ["d", decision("d", [])],
    // the decision in force was an engine failure: not compared
    ["e", decision("e", [verdict("spam", "violate", ["SP2"])])],
    // no decision in force
    ["f", decision("f", [verdict("spam", "violate", ["SP2"])])],
  ]);

  it("counts flips by policy and by the rule ids of the violating side, and action changes", () => {
    const diff = diffDecisions(replayed, inForce, ["spam", "hate"]);
    expect(diff.posts).toBe(6);
    expect(diff.withoutDecision).toBe(1);
    expect(diff.changed).toBe(3);
    expect(diff.actions).toEqual({ "HIDE→ALLOW": 1, "ALLOW→HIDE": 1, "REVIEW→HIDE": 1 });
    const spam = diff.policies.find((p) => p.policyId === "spam")!;
    expect(spam).toMatchObject({ compared: 4, allowToViolate: 1, violateToAllow: 2, failed: 1 });
    expect(spam.rules).toEqual([
      { ruleId: "SP2", allowToViolate: 0, violateToAllow: 2 },
      { ruleId: "SP4", allowToViolate: 1, violateToAllow: 1 },
    ]);
    const hate = diff.policies.find((p) => p.policyId === "hate")!;
    expect(hate).toMatchObject({
      compared: 5,
      allowToViolate: 1,
      violateToAllow: 0,
      failed: 0,
      rules: [{ ruleId: "HT1", allowToViolate: 1, violateToAllow: 0 }],
    });
    expect(spam.examples.map((e) => `${e.postId}:${e.direction}`)).toEqual(["a:violate→allow", "b:allow→violate", "c:violate→allow"]);
    expect(spam.examples[0]!.before).toMatchObject({ state: "violate", ruleIds: ["SP2"], source: "model" });
    expect(spam.examples[0]!.after).toMatchObject({ state: "allow", source: "prefilter" });
  });

  it("keeps at most the asked examples per direction", () => {
    const diff = diffDecisions(replayed, inForce, ["spam"], 1);
    expect(diff.policies[0]!.examples.map((e) => e.postId)).toEqual(["a", "b"]);
    expect(diff.policies[0]!.violateToAllow).toBe(2);
  });

  it("renders text, JSON and HTML with the same counts; HTML escapes what it shows", () => {
    const evil = new Map([["<x>", decision("<x>", [verdict("spam", "violate", ["SP2"])])]]);
    const before = new Map([["<x>", decision("<x>", [])]]);
    const diff = diffDecisions(evil, before, ["spam"]);
    const meta = { title: "replay", replayId: "r-1", policy: "spam@abc", range: "0 .. end", createdAt: "2026-12-02T00:00:00Z" };
    expect(renderDiffText(diff, meta)).toContain("policy spam: allow→violate 1, violate→allow 0 (of 1 compared)");
    expect(renderDiffText(diff, meta)).toContain("rule SP2: allow→violate 1, violate→allow 0");
    expect(JSON.parse(renderDiffJson(diff, meta))).toMatchObject({ replayId: "r-1", posts: 1, policies: [{ policyId: "spam", allowToViolate: 1 }] });
    const html = renderDiffHtml(diff, meta);
    expect(html).toContain("&lt;x&gt;");
    expect(html).not.toContain("<x>");
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
