import { jest } from "@jest/globals";
import type { Kafka } from "kafkajs";
import { startClassifierWorker, type RunningWorker } from "../../../workers/classifier/classifier-worker.js";
import type { ClassifyRequest, EnginePort, ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import type { Decision } from "@arbiter/shared/codec/records.js";
import { testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readRecords, testConfig, testLogger } from "../../support/worker.js";

jest.setTimeout(180_000);

const MARKER = "SELLING-CHEATS";

/**
 * A fake engine whose answer is known (no model that runs here reliably finds a violation in
 * 8,000 characters): a window that holds the marker violates test-cheats. It records the length
 * of every window it is shown.
 */
class FakeMarkerEngine implements EnginePort {
  readonly modelId = "fake-marker";
  readonly windows: number[] = [];
  private running = 0;
  async classify(request: ClassifyRequest): Promise<ModelVerdict[]> {
    this.windows.push(request.postText.length);
    this.running++;
    await new Promise((r) => setTimeout(r, 5));
    this.running--;
    const violate = request.postText.includes(MARKER);
    return request.policies.map((p) => ({
      policyId: p.id,
      policyVersion: p.version,
      decision: violate ? "violate" : "allow",
      ruleIds: violate ? ["CH1"] : [],
      rationale: "fake",
      confidence: 0.95,
      reasoning: "",
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

const ns = testNamespace("long post windows");
// The shipped budget (8,000 characters, 4 windows) and the verdict cache in the real Redis.
const config = testConfig(ns, { policies: { only: ["test-cheats"] }, pipeline: { maxModelChars: 8000 } });
const topics = config.kafka.topics;
const filler = (n: number) => "The weather was fine and the match went on for a while. ".repeat(Math.ceil(n / 56)).slice(0, n);
// "wallhack" is a test-cheats keyword: each post goes to the model.
const opener = "Anyone else seen a wallhack lately? ";
const padded = post("padded", `${opener}${filler(8000)} ${MARKER} dm me`);
const buriedText = `${opener}${filler(60_000)} ${MARKER} dm me`;
const buried = post("buried", buriedText);
const hitAtEnd = post("hit-at-end", `${filler(60_000)} selling my aimbot, ${MARKER}`);
let kafka: Kafka;
let worker: RunningWorker;
const engine = new FakeMarkerEngine();

beforeAll(async () => {
  kafka = testKafka(ns.id);
  worker = await startClassifierWorker(config, await testLogger(), { engine });
}, 90_000);
afterAll(async () => worker?.stop(), 60_000);

async function decisionsOf(ids: string[], group: string): Promise<Map<string, Decision>> {
  const seen = await readRecords(kafka, topics.decisions, "decision", {
    groupId: ns.group(group),
    until: (s) => ids.every((id) => s.some((d) => d.postId === id)),
    timeoutMs: 60_000,
    settleMs: 500,
  });
  return new Map(seen.filter((d) => ids.includes(d.postId)).map((d) => [d.postId, d]));
}

test("a violation after the model's budget of filler is read and wins; a post past maxWindows is REVIEW, never a cached ALLOW", async () => {
  await producePosts(kafka, topics.posts, [padded, buried, hitAtEnd]);
  const first = await decisionsOf(["padded", "buried", "hit-at-end"], "first");

  // 8,000 characters of filler, then the violation: two windows, the second finds it.
  expect(first.get("padded")).toMatchObject({ action: "HIDE", stage: "primary", truncated: false, windowsRead: 2 });
  // The prefilter's hit is far past what four windows cover in order: its window is read first, and
  // the violation there ends the reading (truncated: the rest was not read, and need not be).
  expect(first.get("hit-at-end")).toMatchObject({ action: "HIDE", truncated: true, windowsRead: 1 });
  // 60,000 characters need 8 windows: 4 are read, none shows the violation, and the post goes to review.
  expect(first.get("buried")).toMatchObject({ action: "REVIEW", truncated: true, windowsRead: 4 });
  expect(first.get("buried")!.verdicts).toEqual([expect.objectContaining({ policyId: "test-cheats", decision: "allow", escalate: true })]);
  expect(Math.max(...engine.windows)).toBeLessThanOrEqual(config.pipeline.maxModelChars);

  const escalations = await readRecords(kafka, topics.escalations, "escalation", {
    groupId: ns.group("escalations"),
    until: (s) => s.some((e) => e.post.id === "buried"),
    timeoutMs: 30_000,
    settleMs: 200,
  });
  const escalation = escalations.find((e) => e.post.id === "buried");
  expect(escalation).toMatchObject({ reason: "LOW_CONFIDENCE", policyIds: ["test-cheats"] });
  expect(escalation?.detail).toContain("UNREAD");

  // The same text again: its truncated allow was not cached, so the model reads it again and it is REVIEW again.
  const callsBefore = engine.windows.length;
  await producePosts(kafka, topics.posts, [post("buried-again", buriedText)]);
  const again = await decisionsOf(["buried-again"], "again");
  expect(again.get("buried-again")).toMatchObject({ action: "REVIEW", truncated: true, windowsRead: 4 });
  expect(engine.windows.length - callsBefore).toBe(4);
});
