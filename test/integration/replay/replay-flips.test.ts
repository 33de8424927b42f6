import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { createTopics, newTopic, topicSpecs } from "@arbiter/shared/kafka/topic-admin.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { runReplay, type ReplayOptions } from "@arbiter/shared/replay/replay-run.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { codecs, post, producePosts, readRecords, testConfig } from "../../support/worker.js";
import { repoRoot } from "../../support/env.js";

jest.setTimeout(180_000);

/** A fake engine whose answer is known: every post it is asked about violates SP2. */
class FakeViolatingEngine implements EnginePort {
  readonly modelId = "fake-violating";
  calls = 0;
  running = 0;
  maxRunning = 0;
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.calls++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, 20));
    this.running--;
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: "violate",
      ruleIds: ["SP2"],
      rationale: "fake",
      confidence: 0.95,
      reasoning: "",
      promptTokens: 0,
      generatedTokens: 0,
      latencyMs: 1,
    }));
  }
  queue() {
    return { depth: 0, capacity: 64, inFlight: this.running, sequences: 4 };
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The candidate: test-spam without its "free money" keyword, and with "cheap game keys".
const draft = path.join(dir, "test-spam.md");
writeFileSync(draft, readFileSync(path.join(repoRoot, "test/fixtures/policies/test-spam.md"), "utf8").replace("  - free money\n", "  - cheap game keys\n"));

const ns = testNamespace("replay flips");
const config = testConfig(ns, { cache: { enabled: false }, replay: { stateDir: path.join(dir, "state") }, policies: { only: ["test-spam"] } });
const topics = config.kafka.topics;
let kafka: Kafka;

// 10 of each: "free money" posts flip violate→allow (the keyword is gone, so the prefilter allows
// them), "cheap game keys" posts allow→violate (the new keyword sends them to the model, which
// says violate), "buy followers" posts stay violate, the rest stay allow.
const posts = Array.from({ length: 40 }, (_, i) => {
  const kind = ["money", "keys", "followers", "plain"][i % 4]!;
  const text = { money: `free money for all #${i}`, keys: `cheap game keys here #${i}`, followers: `buy followers now #${i}`, plain: `good game #${i}` }[kind]!;
  return { kind, post: post(`p-${i}`, text) };
});

/**
 * The decision a live worker under the pack's test-spam made (the model said violate to every
 * keyword post); the "cheap game keys" posts were then allowed by a moderator (stage human).
 */
function inForce(p: (typeof posts)[number]): Decision {
  const violate = p.kind === "money" || p.kind === "followers";
  return {
    decisionId: `primary:old:${p.post.id}`,
    postId: p.post.id,
    forumId: p.post.forumId,
    action: violate ? "HIDE" : "ALLOW",
    stage: violate ? "primary" : p.kind === "keys" ? "human" : "prefilter",
    policySetVersion: "old",
    verdicts: violate
      ? [
          {
            policyId: "test-spam",
            policyVersion: "old",
            decision: "violate",
            ruleIds: ["SP2"],
            confidence: 0.95,
            rationale: "old",
            source: "model",
            escalate: false,
            onViolate: "hide",
            page: false,
          },
        ]
      : [],
    modelId: violate ? "fake" : null,
    effort: null,
    latencyMs: 1,
    truncated: false,
    postCreatedAt: p.post.createdAt,
    decidedAt: Date.now(),
    replayId: null,
    ticketId: null,
    appealId: null,
    unreadable: null,
  };
}

function options(overrides: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    policy: `test-spam@${draft}`,
    from: "0",
    to: null,
    forumId: null,
    apply: false,
    replayId: null,
    maxModelCalls: 2,
    model: null,
    examples: 3,
    signal: new AbortController().signal,
    logger: silentLogger,
    ...overrides,
  };
}

beforeAll(async () => {
  kafka = testKafka(ns.id);
  await createTopics(kafka, topicSpecs(topics, config.topics).map(newTopic));
  await producePosts(
    kafka,
    topics.posts,
    posts.map((p) => p.post),
  );
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics.decisions, acks: -1, messages: posts.map((p) => ({ key: p.post.id, ...codecs.decision.encode(inForce(p)) })) });
  await producer.disconnect();
});

test("a replay under a policy change whose effect is known gives exactly the expected flips, once per post, in the shadow topic only", async () => {
  const engine = new FakeViolatingEngine();
  const outcome = await runReplay(config, options(), { engine, kafka });
  expect(outcome.interrupted).toBe(false);
  expect(outcome.done).toBe(40);
  const diff = outcome.diff!;
  expect(diff.posts).toBe(40);
  expect(diff.withoutDecision).toBe(0);
  const spam = diff.policies.find((p) => p.policyId === "test-spam")!;
  expect(spam).toMatchObject({
    compared: 40,
    allowToViolate: 10,
    violateToAllow: 10,
    failed: 0,
    rules: [{ ruleId: "SP2", allowToViolate: 10, violateToAllow: 10 }],
  });
  expect(diff.actions).toEqual({ "HIDE→ALLOW": 10, "ALLOW→HIDE": 10 });
  const flipped = new Set(spam.examples.map((e) => e.postId));
  for (const id of flipped) expect(["money", "keys"]).toContain(posts.find((p) => p.post.id === id)!.kind);
  // Only the posts the candidate's keywords flag reach the model: "cheap game keys" and "buy followers".
  expect(engine.calls).toBe(20);
  expect(engine.maxRunning).toBeLessThanOrEqual(2);

  const shadow = await readRecords(kafka, topics.shadow, "decision", {
    groupId: ns.group("shadow-check"),
    until: (s) => s.length >= 40,
    timeoutMs: 20_000,
    settleMs: 1500,
  });
  expect(shadow.length).toBe(40);
  expect(new Set(shadow.map((d) => d.postId)).size).toBe(40);
  expect(shadow.every((d) => d.stage === "replay" && d.replayId === outcome.plan.replayId)).toBe(true);
  const decisions = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group("decisions-check"),
    until: (s) => s.length >= 40,
    timeoutMs: 20_000,
    settleMs: 1500,
  });
  expect(decisions.filter((d) => d.stage === "replay")).toEqual([]);

  // The same command again: the plan and the group say it is done; nothing is decided again.
  const again = await runReplay(config, options(), { engine, kafka });
  expect(again.resumed).toBe(true);
  expect(engine.calls).toBe(20);
  expect(again.diff!.policies[0]).toMatchObject({ allowToViolate: 10, violateToAllow: 10 });
});

test("--to and --forum bound the range; --apply writes stage-replay decisions to the decisions topic too, except over a moderator's", async () => {
  const engine = new FakeViolatingEngine();
  // Each partition's first 5 records (fewer where a partition holds fewer).
  const admin = kafka.admin();
  await admin.connect();
  const expected = (await admin.fetchTopicOffsets(topics.posts)).reduce((n, o) => n + Math.min(5, Number(o.high)), 0);
  await admin.disconnect();
  const outcome = await runReplay(config, options({ to: "5", apply: true, forumId: "games" }), { engine, kafka });
  expect(outcome.total).toBe(expected);
  expect(outcome.diff!.posts).toBe(expected);
  const shadow = (
    await readRecords(kafka, topics.shadow, "decision", {
      groupId: ns.group("applied-shadow"),
      until: (s) => s.filter((d) => d.replayId === outcome.plan.replayId).length >= expected,
      timeoutMs: 20_000,
      settleMs: 1500,
    })
  ).filter((d) => d.replayId === outcome.plan.replayId);
  expect(shadow.length).toBe(expected);
  const kindOf = (id: string) => posts.find((p) => p.post.id === id)!.kind;
  const notHuman = shadow
    .filter((d) => kindOf(d.postId) !== "keys")
    .map((d) => d.postId)
    .sort();
  expect(notHuman.length).toBeLessThan(expected);
  const applied = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group("applied-check"),
    until: (s) => s.filter((d) => d.replayId === outcome.plan.replayId).length >= notHuman.length,
    timeoutMs: 20_000,
    settleMs: 2000,
  });
  const mine = applied.filter((d) => d.replayId === outcome.plan.replayId);
  expect(mine.map((d) => d.postId).sort()).toEqual(notHuman);
  expect(mine.every((d) => d.stage === "replay")).toBe(true);

  // Another forum: every post is out of scope, no model call, no decision.
  const other = await runReplay(config, options({ to: "5", forumId: "cooking" }), { engine: new FakeViolatingEngine(), kafka });
  expect(other.diff!.posts).toBe(0);
});
