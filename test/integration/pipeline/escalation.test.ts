import type { Decision } from "@arbiter/shared/codec/records.js";
import { testNamespace } from "../../support/namespace.js";
import { testPoliciesWithThreshold } from "../../support/policies.js";
import { post, producePosts, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

// Threshold 1: no measured confidence reaches it, so every model verdict escalates, and the
// escalation tier (same threshold) is still unsure and raises a ticket.
const ns = testNamespace("escalation path");
const policiesDir = testPoliciesWithThreshold(1);
const primaryConfig = testConfig(ns, { policies: { dir: policiesDir }, cache: { enabled: false } });
const escalationConfig = testConfig(ns, { role: "escalation", policies: { dir: policiesDir } });
const under = workersUnderTest(ns.id, primaryConfig, escalationConfig);

test("low-confidence verdicts go through the escalation worker to a final decision and a ticket", async () => {
  const flagged = [
    post("esc-1", "selling a private aimbot, message me"),
    post("esc-2", "buy followers here, cheapest on the net"),
    post("esc-3", "crypto giveaway: send one coin, get two back"),
  ];
  const benign = [post("ok-1", "what a comeback in the final round"), post("ok-2", "anyone up for ranked tonight?")];
  await producePosts(under.kafka, primaryConfig.kafka.topics.posts, [...flagged, ...benign]);

  const decisions = await readRecords(under.kafka, primaryConfig.kafka.topics.decisions, "decision", {
    groupId: ns.group("check-decisions"),
    until: (seen) => seen.filter((d) => d.stage === "escalation").length >= flagged.length && new Set(seen.map((d) => d.postId)).size >= 5,
    timeoutMs: 180_000,
  });
  const byPost = new Map<string, Decision[]>();
  for (const d of decisions) byPost.set(d.postId, [...(byPost.get(d.postId) ?? []), d]);

  for (const p of flagged) {
    const list = byPost.get(p.id) ?? [];
    const primary = list.find((d) => d.stage === "primary");
    const final = list.find((d) => d.stage === "escalation");
    expect(primary?.action).toBe("REVIEW");
    expect(primary?.verdicts.some((v) => v.escalate && v.source === "model")).toBe(true);
    expect(final).toBeDefined();
    expect(final!.effort).toBe("high");
    // Still below the threshold: never a silent ALLOW.
    expect(final!.action).not.toBe("ALLOW");
    expect(final!.decisionId).not.toBe(primary!.decisionId);
  }
  for (const p of benign) {
    expect(byPost.get(p.id)?.map((d) => d.stage)).toEqual(["prefilter"]);
  }

  const escalations = await readRecords(under.kafka, primaryConfig.kafka.topics.escalations, "escalation", {
    groupId: ns.group("check-escalations"),
    until: (seen) => seen.length >= flagged.length,
    timeoutMs: 20_000,
  });
  expect(escalations.map((e) => e.post.id).sort()).toEqual(flagged.map((p) => p.id).sort());
  for (const e of escalations) expect(["LOW_CONFIDENCE", "POLICY_RULE"]).toContain(e.reason);

  const tickets = await readRecords(under.kafka, primaryConfig.kafka.topics.tickets, "ticket", {
    groupId: ns.group("check-tickets"),
    until: (seen) => seen.length >= flagged.length,
    timeoutMs: 30_000,
  });
  expect(tickets.map((t) => t.post.id).sort()).toEqual(flagged.map((p) => p.id).sort());
  for (const t of tickets) expect(t.post.text).toBe(flagged.find((p) => p.id === t.post.id)!.text);
}, 240_000);
