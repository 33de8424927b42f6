import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Kafka } from "kafkajs";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { createTopics, newTopic, topicSpecs } from "@arbiter/shared/kafka/topic-admin.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { shadowPolicyId, shadowReport, startShadowRun } from "@arbiter/shared/replay/shadow-run.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { runCli } from "../../support/cli.js";
import { repoRoot } from "../../support/env.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { codecs, post, producePosts, readRecords, testConfig } from "../../support/worker.js";

jest.setTimeout(180_000);

/** A fake engine whose answer is known: every post it is asked about violates SP2. */
class FakeViolatingEngine implements EnginePort {
  readonly modelId = "fake-violating";
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
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
    return { depth: 0, capacity: 64, inFlight: 0, sequences: 2 };
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "arbiter-shadow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The candidate adds the keyword "cheap game keys" to test-spam.
const draft = path.join(dir, "test-spam.md");
writeFileSync(
  draft,
  readFileSync(path.join(repoRoot, "test/fixtures/policies/test-spam.md"), "utf8").replace("  - free money\n", "  - free money\n  - cheap game keys\n"),
);
const ns = testNamespace("shadow mode");
const config = testConfig(ns, { cache: { enabled: false }, policies: { only: ["test-spam"] } });
const topics = config.kafka.topics;
let kafka: Kafka;

beforeAll(async () => {
  kafka = testKafka(ns.id);
  await createTopics(kafka, topicSpecs(topics, config.topics).map(newTopic));
  // Posts from before the shadow run started: it starts at the end, live traffic on, and never decides these.
  await producePosts(kafka, topics.posts, [post("old-1", "cheap game keys, old"), post("old-2", "hello")]);
});

test("a shadow run decides live posts under the candidate and writes nothing to the decisions topic; shadow report diffs a window", async () => {
  const run = await startShadowRun(
    config,
    { policy: `test-spam@${draft}`, maxModelCalls: 1, model: null, logger: silentLogger },
    { engine: new FakeViolatingEngine(), kafka },
  );
  const posts = Array.from({ length: 20 }, (_, i) => post(`p-${i}`, i % 2 === 0 ? `cheap game keys #${i}` : `good game #${i}`));
  try {
    await producePosts(kafka, topics.posts, posts);
    // The live version's decisions for the even posts: allowed at the prefilter (no keyword of the pack's test-spam).
    const live: Decision[] = posts.map((p) => ({
      decisionId: `prefilter:s:${p.id}`,
      postId: p.id,
      forumId: p.forumId,
      action: "ALLOW",
      stage: "prefilter",
      policySetVersion: "s",
      verdicts: [],
      modelId: null,
      effort: null,
      latencyMs: 1,
      truncated: false,
      postCreatedAt: p.createdAt,
      decidedAt: Date.now(),
      replayId: null,
      ticketId: null,
      appealId: null,
      unreadable: null,
    }));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: topics.decisions, acks: -1, messages: live.map((d) => ({ key: d.postId, ...codecs.decision.encode(d) })) });
    await producer.disconnect();
    const shadow = await readRecords(kafka, topics.shadow, "decision", {
      groupId: ns.group("shadow"),
      until: (s) => s.length >= 20,
      timeoutMs: 60_000,
      settleMs: 2000,
    });
    expect(shadow.map((d) => d.postId).sort()).toEqual(posts.map((p) => p.id).sort());
    expect(shadow.every((d) => d.replayId === run.replayId && d.stage === "replay")).toBe(true);
  } finally {
    await run.stop();
  }
  // Nothing but the live decisions this test wrote itself: the shadow run wrote none.
  const decisions = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group("decisions"),
    until: (s) => s.length >= 20,
    timeoutMs: 20_000,
    settleMs: 3000,
  });
  expect(decisions.length).toBe(20);
  expect(decisions.every((d) => d.replayId === null && d.stage === "prefilter")).toBe(true);

  // A shadow run of another policy whose id starts with this one's: `--policy test-spam` must not pick it up.
  const lookalike: Decision[] = Array.from({ length: 4 }, (_, i) => ({
    ...decisions[i]!,
    postId: `lookalike-${i}`,
    decisionId: `lookalike-${i}`,
    replayId: "shadow-test-spam-encouragement-0123456789abcdef",
    stage: "replay",
  }));
  const writer = kafka.producer();
  await writer.connect();
  await writer.send({ topic: topics.shadow, acks: -1, messages: lookalike.map((d) => ({ key: d.postId, ...codecs.decision.encode(d) })) });
  await writer.disconnect();
  expect(shadowPolicyId(lookalike[0]!.replayId)).toBe("test-spam-encouragement");
  const everyRun = await shadowReport(kafka, config, { since: "1h", until: null, policyId: null }, 3);
  expect(everyRun.posts).toBe(24);

  const diff = await shadowReport(kafka, config, { since: "1h", until: null, policyId: "test-spam" }, 3);
  expect(diff).toMatchObject({ posts: 20, withoutDecision: 0, changed: 10, actions: { "ALLOW→HIDE": 10 } });
  expect(diff.policies).toEqual([
    expect.objectContaining({
      policyId: "test-spam",
      compared: 20,
      allowToViolate: 10,
      violateToAllow: 0,
      rules: [{ ruleId: "SP2", allowToViolate: 10, violateToAllow: 0 }],
    }),
  ]);

  const cli = await runCli(["shadow", "report", "--since", "1h", "--policy", "test-spam", "--html", path.join(dir, "shadow.html")], {
    ARBITER_CONFIG_JSON: JSON.stringify(config),
  });
  expect(cli.stderr).toBe("");
  expect(cli.code).toBe(0);
  expect(cli.stdout).toContain("policy test-spam: allow→violate 10, violate→allow 0 (of 20 compared)");
  expect(readFileSync(path.join(dir, "shadow.html"), "utf8")).toContain("<td>SP2</td>");
});
