import { Redis } from "ioredis";
import type { Kafka } from "kafkajs";
import type { Appeal, Decision } from "@arbiter/shared/codec/records.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { PostRecords } from "@arbiter/shared/pipeline/post-records.js";
import type { SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { startAutoHideWorker } from "../../../workers/auto-hide/auto-hide-worker.js";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import { redisUrl } from "../../support/env.js";
import { eventually } from "../../support/eventually.js";
import { FakeForum } from "../../support/fake-forum.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, produceRecords, readRecords, testConfig, testLogger } from "../../support/worker.js";

/**
 * A fake engine whose judgement is known, since the tiny test models' is random: a post violates
 * test-cheats when it mentions an aimbot and test-spam when it offers free money; anything else
 * is allowed, always surely. It keeps every text it was asked about, per policy.
 */
class FakeKeywordEngine implements EnginePort {
  readonly modelId = "fake-keyword";
  readonly asked: { text: string; policies: string[] }[] = [];
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.asked.push({ text: request.postText, policies: request.policies.map((p) => p.id) });
    return request.policies.map((p) => {
      const violates = (p.id === "test-cheats" && /aimbot/.test(request.postText)) || (p.id === "test-spam" && /free money/.test(request.postText));
      return {
        policyId: p.id,
        policyVersion: p.version,
        decision: violates ? "violate" : "allow",
        ruleIds: violates ? [p.ruleIds[0]!] : [],
        rationale: "fake",
        confidence: 0.95,
        reasoning: "fake reasoning",
        promptTokens: 0,
        generatedTokens: 0,
        latencyMs: 1,
      };
    });
  }
  queue() {
    return { depth: 0, capacity: 64, inFlight: 0, sequences: 2 };
  }
  async dispose(): Promise<void> {}
}

// The attack of issue 18: a post hidden under one policy is appealed under another policy with
// harmless text. The primary role (on the fake engine) hides the post and records it; the
// escalation role decides the appeal from that record, so the post stays hidden.
const ns = testNamespace("appeal narrowing");
const primaryEngine = new FakeKeywordEngine();
const appealEngine = new FakeKeywordEngine();
const config = testConfig(ns);
const { topics } = config.kafka;
const forum = new FakeForum();
let kafka: Kafka;
let workers: RunningWorker[] = [];
let sink: SinkRuntime;
let redis: Redis;

beforeAll(async () => {
  kafka = testKafka(ns.id);
  redis = new Redis(redisUrl);
  await forum.start();
  workers = [
    await startClassifierWorker(config, await testLogger(), { engine: primaryEngine }),
    await startClassifierWorker(testConfig(ns, { role: "escalation" }), await testLogger(), { engine: appealEngine }),
  ];
  sink = await startAutoHideWorker(
    testConfig(ns, { autoHide: { groupId: ns.group("auto-hide"), forum: forum.forumCalls, retry: { initialDelayMs: 50, maxDelayMs: 200 } } }),
    await testLogger(),
  );
}, 90_000);
afterAll(async () => {
  await sink?.stop();
  await Promise.all(workers.map((w) => w.stop()));
  await forum.stop();
  redis?.disconnect();
}, 60_000);

const appeal = (postId: string, text: string, policyIds: string[]): Appeal => ({
  appealId: `appeal-${postId}`,
  post: { ...post(postId, text, "games"), authorId: `author-${postId}` },
  policyIds,
  requestedBy: `user:author-${postId}`,
  note: "",
  requestedAt: Date.now(),
});

const ownText = "selling a private aimbot, message me";

test("an appeal under another policy with harmless text decides the post's own text under the policy that hid it: it stays hidden", async () => {
  await producePosts(kafka, topics.posts, [post("nw-1", ownText), post("nw-2", `free money for all, and a private aimbot too`)]);
  await eventually(() => (forum.isHidden("nw-1") && forum.isHidden("nw-2")) || undefined, 60_000, "nw-1 and nw-2 hidden by the primary role");
  // What the primary role kept: the post as moderated, and the policies that acted.
  const records = new PostRecords(redis, config.redis.keyPrefix, 60);
  expect(await records.get("nw-1")).toMatchObject({ post: { id: "nw-1", text: ownText, forumId: "games" }, policyIds: ["test-cheats"] });
  expect((await records.get("nw-2"))?.policyIds).toEqual(["test-cheats", "test-spam"]);
  const ttl = await redis.ttl(records.key("nw-1"));
  expect(ttl).toBeGreaterThan(29 * 86_400);

  await produceRecords(
    kafka,
    topics.appeals,
    "appeal",
    [
      // The narrowing attack: hidden under test-cheats, appealed under test-spam with "hello", from another forum.
      { ...appeal("nw-1", "hello", ["test-spam"]), post: { ...post("nw-1", "hello", "cooking") } },
      // The same, naming no policy: the forum's policies are asked, the record's text is read.
      appeal("nw-2", "hello", []),
      // Arbiter never acted on nw-3: a moderator decides, whatever the appeal's text says.
      appeal("nw-3", "hello", ["test-cheats"]),
    ],
    (a) => a.post.id,
  );
  const decisions = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group("check-decisions"),
    until: (seen) => seen.filter((d) => d.stage === "appeal").length >= 3,
    timeoutMs: 60_000,
  });
  const appeals = new Map(decisions.filter((d) => d.stage === "appeal").map((d): [string, Decision] => [d.postId, d]));
  const nw1 = appeals.get("nw-1")!;
  expect(nw1).toMatchObject({ action: "HIDE", forumId: "games", appealId: "appeal-nw-1" });
  expect(nw1.verdicts.map((v) => `${v.policyId}:${v.decision}`).sort()).toEqual(["test-cheats:violate", "test-spam:allow"]);
  expect(appeals.get("nw-2")).toMatchObject({ action: "HIDE" });
  expect(appeals.get("nw-3")).toMatchObject({ action: "REVIEW" });
  expect(appeals.get("nw-3")!.verdicts.map((v) => v.source)).toEqual(["failure"]);
  // The escalation tier read the post's own text under the policy that hid it, and the appeal's text beside it.
  expect(appealEngine.asked).toContainEqual({ text: ownText, policies: ["test-cheats", "test-spam"] });
  expect(appealEngine.asked).toContainEqual({ text: "hello", policies: ["test-cheats", "test-spam"] });
  expect(appealEngine.asked.some((a) => a.policies.length === 1 && a.text === "hello")).toBe(false);

  const tickets = await readRecords(kafka, topics.tickets, "ticket", {
    groupId: ns.group("check-tickets"),
    until: (seen) => seen.some((t) => t.post.id === "nw-3"),
    timeoutMs: 20_000,
  });
  expect(tickets.find((t) => t.post.id === "nw-3")!.reason).toMatch(/NoPostRecord/);

  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(forum.isHidden("nw-1")).toBe(true);
  expect(forum.count("unhide", "nw-1")).toBe(0);
  expect(forum.count("unhide", "nw-2")).toBe(0);
}, 180_000);
