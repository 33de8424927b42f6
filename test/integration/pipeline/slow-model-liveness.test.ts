import { testNamespace } from "../../support/namespace.js";
import { codecs, post, readDecisionsFor, testConfig, workersUnderTest } from "../../support/worker.js";

// A batch whose model calls take several session timeouts: the worker must keep its group
// membership, so nothing is rebalanced away and nothing is decided twice. Its 8 model posts are
// more than it takes on (kafka.maxInFlight: 4), so its partitions sit paused for most of it:
// kafkajs heartbeats from its idle fetch loop.
const SESSION_MS = 6000;
const ns = testNamespace("slow model liveness");
const config = testConfig(ns, {
  kafka: { sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 12_000, partitionsConsumedConcurrently: 1, maxInFlight: 4 },
  engine: { sequences: 1, rationaleMaxChars: 300 },
  cache: { enabled: false },
});
const under = workersUnderTest(ns.id, config);

test("model work longer than the session timeout causes no rebalance and no duplicate", async () => {
  // One key, so all posts land in one partition and one batch, decided one after another.
  const posts = Array.from({ length: 8 }, (_, i) => post(`slow-${i}`, `selling aimbot and wallhack pack ${i}, message me for the price`));
  const producer = under.kafka.producer();
  await producer.connect();
  await producer.send({ topic: config.kafka.topics.posts, acks: -1, messages: posts.map((p) => ({ key: "same-partition", ...codecs.post.encode(p) })) });
  await producer.disconnect();
  const started = Date.now();

  const decisions = await readDecisionsFor(under.kafka, config.kafka.topics.decisions, posts.length, {
    groupId: ns.group("check"),
    timeoutMs: 180_000,
    settleMs: 3000,
  });
  const elapsed = Date.now() - started;
  // The test means something only if the batch outlived the session timeout.
  expect(elapsed).toBeGreaterThan(2 * SESSION_MS);
  expect(decisions.map((d) => d.postId).sort()).toEqual(posts.map((p) => p.id).sort());
  expect(await under.worker.metrics.value("arbiter_group_joins_total")).toBe(1);
  expect(await under.worker.metrics.value("arbiter_partition_pauses_total")).toBeGreaterThan(0);
}, 240_000);
