import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Audit, Decision, Escalation } from "@arbiter/shared/codec/records.js";
import { repoRoot } from "../../support/env.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readDecisionsFor, readRecords, testConfig, workersUnderTest } from "../../support/worker.js";

// The paths users hit, through the classifier worker on real Kafka with the real model (Gemma
// 270M: a decision must come out, right or not): per-policy and combined multi-policy mode,
// German, Spanish and Chinese posts, and engine.defaultEffort for a policy that names no effort.

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-user-paths-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = path.join(repoRoot, "test/fixtures/policies");
// Every model verdict escalates (confidence < 1), so each post comes back whole in an escalation record.
const cheats = readFileSync(path.join(fixtures, "test-cheats.md"), "utf8")
  .replace("reasoning_effort: low\n", "")
  .replace("escalation_threshold: 0.5", "escalation_threshold: 1");
const spam = readFileSync(path.join(fixtures, "test-spam.md"), "utf8").replace("escalation_threshold: 0.5", "escalation_threshold: 1");
if (cheats.includes("reasoning_effort")) throw new Error("the test-cheats fixture changed: it must lose its reasoning_effort here");
writeFileSync(path.join(dir, "test-cheats.md"), cheats);
writeFileSync(path.join(dir, "test-spam.md"), spam);

const separateNs = testNamespace("user paths separate");
const separate = testConfig(separateNs, {
  policies: { dir },
  cache: { enabled: false },
  engine: { defaultEffort: "high", analysisBudget: { high: 32, medium: 32, low: 32 } },
  pipeline: { combinePolicies: false },
});
const combinedNs = testNamespace("user paths combined");
const combined = testConfig(combinedNs, { policies: { dir }, cache: { enabled: false }, pipeline: { combinePolicies: true } });
const separateWorker = workersUnderTest(separateNs.id, separate);
const combinedWorker = workersUnderTest(combinedNs.id, combined);

const languages = [
  post("de-1", "Verkaufe privaten Aimbot für 10 €! Schreib mir – unentdeckt, läuft über Straße & Brücke.", "spiele"),
  post("es-1", "¡Vendo aimbot privado por 10 €! Escríbeme, señor; también wallhack para el año nuevo.", "juegos"),
  post("zh-1", "出售私人 aimbot 外挂，价格便宜，私信我 🎮「限时」", "游戏"),
];

test("per-policy mode: German, Spanish and Chinese posts reach the model, each gets a decision, the text comes back unharmed; defaultEffort applies", async () => {
  const { kafka } = separateWorker;
  await producePosts(kafka, separate.kafka.topics.posts, languages);
  const decisions = await readDecisionsFor(kafka, separate.kafka.topics.decisions, languages.length, { groupId: separateNs.group("d"), timeoutMs: 150_000 });
  const byPost = new Map(decisions.map((d) => [d.postId, d]));
  for (const p of languages) {
    const d: Decision | undefined = byPost.get(p.id);
    expect(d).toMatchObject({ stage: "primary", forumId: p.forumId, modelId: "gemma-3-270m" });
    const verdict = d!.verdicts.find((v) => v.policyId === "test-cheats");
    expect(verdict?.source).toBe("model");
    expect(["violate", "allow"]).toContain(verdict!.decision);
    // test-cheats names no reasoning_effort: the engine's defaultEffort (high) is what ran.
    expect(d!.effort).toBe("high");
  }
  const escalations = await readRecords(kafka, separate.kafka.topics.escalations, "escalation", {
    groupId: separateNs.group("e"),
    until: (seen) => new Set(seen.map((e) => e.post.id)).size >= languages.length,
    timeoutMs: 30_000,
  });
  const escalated = new Map(escalations.map((e: Escalation) => [e.post.id, e.post]));
  for (const p of languages) expect(escalated.get(p.id)).toMatchObject({ text: p.text, forumId: p.forumId });
}, 200_000);

test("combined mode: a post that hits two policies gets both verdicts from one shared model call", async () => {
  const { kafka } = combinedWorker;
  const both = post("both-1", "free money AND a free aimbot, buy followers here too", "games");
  await producePosts(kafka, combined.kafka.topics.posts, [both]);
  const [decision] = await readDecisionsFor(kafka, combined.kafka.topics.decisions, 1, { groupId: combinedNs.group("d"), timeoutMs: 150_000 });
  // test-spam runs at low, test-cheats (no effort named) at the engine's default, medium: the shared call at the higher.
  expect(decision).toMatchObject({ postId: "both-1", stage: "primary", effort: "medium" });
  const modelVerdicts = decision!.verdicts.filter((v) => v.source === "model").map((v) => v.policyId);
  expect(modelVerdicts.sort()).toEqual(["test-cheats", "test-spam"]);
  const [audit] = await readRecords(kafka, combined.kafka.topics.audit, "audit", {
    groupId: combinedNs.group("a"),
    until: (s) => s.length >= 1,
    timeoutMs: 30_000,
  });
  const entries = (audit as Audit).entries;
  expect(entries.map((e) => e.policyId).sort()).toEqual(["test-cheats", "test-spam"]);
  // One call: both verdicts report the whole shared prompt (separate calls would each count their own policy's).
  expect(entries[0]!.promptTokens).toBeGreaterThan(0);
  expect(entries[0]!.promptTokens).toBe(entries[1]!.promptTokens);
}, 200_000);
