import { testNamespace } from "../../support/namespace.js";
import { post, producePosts, readDecisionsFor, testConfig, workersUnderTest } from "../../support/worker.js";

// One sequence and at most 4 model-bound posts taken on (kafka.maxInFlight): 12 model-bound
// posts fill the model stage, the worker pauses its partitions until it drains, and every post
// is still decided once.
const ns = testNamespace("backpressure");
const config = testConfig(ns, {
  engine: { sequences: 1, queueCapacity: 2, rationaleMaxChars: 40 },
  cache: { enabled: false },
  kafka: { heartbeatIntervalMs: 400, maxInFlight: 4 },
});
const under = workersUnderTest(ns.id, config);

test("a full model stage pauses partitions, which resume when it drains", async () => {
  const posts = Array.from({ length: 12 }, (_, i) => post(`bp-${i}`, `cheap aimbot offer number ${i}, message me`));
  await producePosts(under.kafka, config.kafka.topics.posts, posts);
  const decisions = await readDecisionsFor(under.kafka, config.kafka.topics.decisions, posts.length, {
    groupId: ns.group("check"),
    timeoutMs: 180_000,
    settleMs: 2000,
  });
  expect(decisions.map((d) => d.postId).sort()).toEqual(posts.map((p) => p.id).sort());
  expect(await under.worker.metrics.value("arbiter_partition_pauses_total")).toBeGreaterThan(0);
  expect(await under.worker.metrics.value("arbiter_paused_partitions")).toBe(0);
}, 240_000);
