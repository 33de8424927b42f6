import { jest } from "@jest/globals";
import type { Kafka } from "kafkajs";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import { EngineBusyError } from "@arbiter/shared/engine/errors/engine-busy-error.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { eventually } from "../../support/eventually.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readRecords, testConfig, testLogger } from "../../support/worker.js";

jest.setTimeout(120_000);

/**
 * A simulated engine (no model can say what this test needs on cue): two sequences, each call
 * 5 ms; it refuses an only-if-idle call when both run, as the real engine does. A post offering
 * cheap game keys violates test-spam's SP2, which no keyword of the policy names: a prefilter miss.
 */
class SimulatedKeysEngine implements EnginePort {
  readonly modelId = "simulated-keys";
  readonly priorities: Array<string | undefined> = [];
  private running = 0;
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    if (request.onlyIfIdle && this.running >= 2) throw new EngineBusyError();
    this.priorities.push(request.priority);
    this.running++;
    await new Promise((r) => setTimeout(r, 5));
    this.running--;
    const violate = request.postText.includes("cheap game keys");
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: violate ? "violate" : "allow",
      ruleIds: violate ? ["SP2"] : [],
      rationale: "simulated",
      confidence: 0.95,
      reasoning: "simulated reasoning",
      promptTokens: 1,
      generatedTokens: 1,
      latencyMs: 5,
    }));
  }
  queue() {
    return { depth: 0, capacity: 64, inFlight: this.running, sequences: 2 };
  }
  async dispose(): Promise<void> {}
}

const ns = testNamespace("second look");
const config = testConfig(ns, {
  cache: { enabled: false },
  policies: { only: ["test-spam"] },
  pipeline: { auditSampleRate: 0 },
  secondLook: { enabled: true, groupId: ns.group("second-look"), maxAgeMinutes: 60 },
});
const topics = config.kafka.topics;
let kafka: Kafka;
let worker: RunningWorker;
const engine = new SimulatedKeysEngine();

beforeAll(async () => {
  kafka = testKafka(ns.id);
  worker = await startClassifierWorker(config, await testLogger(), { engine });
});
afterAll(async () => worker?.stop(), 60_000);

test("an allowed post with a hidden violation gets a second_look HIDE; an allow only an audit record; an old post is skipped and counted", async () => {
  const old = { ...post("old", "cheap game keys from last week"), createdAt: Date.now() - 2 * 3_600_000 };
  const missed = post("missed", "cheap game keys, message me");
  const clean = post("clean", "good game everyone");
  await producePosts(kafka, topics.posts, [old, missed, clean]);

  const decisions = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group("decisions"),
    until: (seen) => seen.some((d) => d.stage === "second_look") && seen.filter((d) => d.stage === "prefilter").length >= 3,
    timeoutMs: 60_000,
    settleMs: 1500,
  });
  // The primary role allowed all three at the prefilter; the second look found the miss and only the miss.
  expect(
    decisions
      .filter((d) => d.stage === "prefilter")
      .map((d) => [d.postId, d.action])
      .sort(),
  ).toEqual([
    ["clean", "ALLOW"],
    ["missed", "ALLOW"],
    ["old", "ALLOW"],
  ]);
  expect(decisions.filter((d) => d.stage === "second_look")).toEqual([
    expect.objectContaining({
      postId: "missed",
      action: "HIDE",
      modelId: "simulated-keys",
      verdicts: [expect.objectContaining({ policyId: "test-spam", decision: "violate", ruleIds: ["SP2"], source: "model" })],
    }),
  ]);

  const audits = await readRecords(kafka, topics.audit, "audit", {
    groupId: ns.group("audit"),
    until: (seen) => seen.length >= 2,
    timeoutMs: 30_000,
    settleMs: 1000,
  });
  expect(audits.map((a) => [a.postId, a.stage, a.entries.map((e) => e.decision)]).sort()).toEqual([
    ["clean", "second_look", ["allow"]],
    ["missed", "second_look", ["violate"]],
  ]);
  // Never the old post, and always at class second-look (the primary role sent no post to the model).
  expect(engine.priorities).toEqual(["second-look", "second-look"]);

  const metrics = worker.metrics;
  await eventually(
    async () => ((await metrics.value("arbiter_second_look_posts_total", { forum: "games", result: "skipped" })) === 1 ? true : undefined),
    10_000,
    "the skipped count",
  );
  expect(await metrics.value("arbiter_second_look_posts_total", { forum: "games", result: "seen" })).toBe(3);
  expect(await metrics.value("arbiter_second_look_posts_total", { forum: "games", result: "reviewed" })).toBe(2);
  expect(await metrics.value("arbiter_second_look_violations_total", { policy: "test-spam" })).toBe(1);
  expect(worker.secondLook).toEqual({ seen: 3, reviewed: 2, skipped: 1, failed: 0, violations: 1 });
});
