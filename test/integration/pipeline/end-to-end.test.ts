import type { Decision } from "@arbiter/shared/codec/records.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readDecisionsFor, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

const ns = testNamespace("pipeline end to end");
const config = testConfig(ns);
const under = workersUnderTest(ns.id, config);

const benign = Array.from({ length: 24 }, (_, i) => post(`benign-${i}`, `Great match yesterday, round ${i} was close. GG everyone!`));
const flagged = [
  post("cheat-1", "DM me for a private aimbot, only 10 dollars, undetected"),
  post("cheat-2", "selling wallhack + aimbot bundle for the new season"),
  post("cheat-3", "Reported another guy using a wallhack, hope he gets banned"),
  post("spam-1", "Buy followers now, 1000 for 5 dollars, fast delivery"),
  post("spam-2", "FREE MONEY crypto giveaway, send 1 coin get 2 back"),
  post("spam-3", "b.u.y f0ll0wers cheap!!! best price"),
];

test("every post gets exactly one decision; model-decided ones have audit records; no reasoning in decisions", async () => {
  const posts = [...benign, ...flagged].sort(() => Math.random() - 0.5);
  await producePosts(under.kafka, config.kafka.topics.posts, posts);

  const decisions = await readDecisionsFor(under.kafka, config.kafka.topics.decisions, posts.length, {
    groupId: ns.group("check-decisions"),
    timeoutMs: 150_000,
    settleMs: 2000,
  });
  const byPost = new Map<string, Decision[]>();
  for (const d of decisions) byPost.set(d.postId, [...(byPost.get(d.postId) ?? []), d]);
  expect([...byPost.keys()].sort()).toEqual(posts.map((p) => p.id).sort());
  for (const [postId, list] of byPost) expect({ postId, count: list.length }).toEqual({ postId, count: 1 });

  for (const p of benign) {
    const d = byPost.get(p.id)![0]!;
    expect(d).toMatchObject({ action: "ALLOW", stage: "prefilter", modelId: null, verdicts: [] });
    expect(d.policySetVersion).toMatch(/^[0-9a-f]{16}$/);
  }
  for (const p of flagged) {
    const d = byPost.get(p.id)![0]!;
    expect(d.stage).toBe("primary");
    const modelVerdicts = d.verdicts.filter((v) => v.source === "model" || v.source === "cache");
    expect(modelVerdicts.length).toBeGreaterThan(0);
    for (const v of modelVerdicts) {
      expect(v.confidence).toBeGreaterThan(0);
      expect(v.confidence).toBeLessThanOrEqual(1);
      expect(["violate", "allow"]).toContain(v.decision);
    }
    expect(["ALLOW", "HIDE", "REVIEW"]).toContain(d.action);
  }
  // The obfuscated spam post reached the model through the normaliser.
  expect(byPost.get("spam-3")![0]!.verdicts.find((v) => v.policyId === "test-spam")?.source).toMatch(/model|cache/);

  const audits = await readRecords(under.kafka, config.kafka.topics.audit, "audit", {
    groupId: ns.group("check-audit"),
    until: (seen) => seen.length >= flagged.length,
    timeoutMs: 30_000,
  });
  const auditedPosts = new Set(audits.map((a) => a.postId));
  for (const p of flagged) {
    const hasModelVerdict = byPost.get(p.id)![0]!.verdicts.some((v) => v.source === "model");
    if (hasModelVerdict) expect(auditedPosts.has(p.id)).toBe(true);
  }
  for (const a of audits) {
    const decision = byPost.get(a.postId)![0]!;
    expect(a.decisionId).toBe(decision.decisionId);
    const decisionJson = JSON.stringify(decision);
    for (const entry of a.entries) if (entry.reasoning.length > 20) expect(decisionJson).not.toContain(entry.reasoning);
  }

  const metrics = await (await fetch(`http://127.0.0.1:${under.worker.httpPort}/metrics`)).text();
  expect(metrics).toMatch(/arbiter_decisions_total\{stage="prefilter",action="ALLOW"\} 24/);
  expect((await fetch(`http://127.0.0.1:${under.worker.httpPort}/readyz`)).status).toBe(200);
}, 200_000);
