import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Kafka } from "kafkajs";
import { createTopics, describeTopics } from "@arbiter/shared/kafka/topic-admin.js";
import { testKafka } from "../../support/kafka.js";

// Workers and tests create their topics at start, often several at once against one broker.
// kafkajs' own wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION from a broker whose
// metadata lags, and skips the wait when another client won the race to create.
describe("createTopics against the real broker", () => {
  let kafka: Kafka;
  beforeAll(() => {
    kafka = testKafka("topic-create-test");
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    const all = await admin.listTopics();
    await admin.deleteTopics({ topics: all.filter((t) => t.startsWith(`topic-create-${run}-`)) });
    await admin.disconnect();
  });
  const run = Date.now().toString(36);

  it("several clients creating the same topics at once all return with every partition led", async () => {
    for (let round = 0; round < 3; round++) {
      const topics = Array.from({ length: 4 }, (_, i) => ({
        name: `topic-create-${run}-${round}-${i}`,
        partitions: 3,
        replicationFactor: 1,
        configs: { "retention.ms": "3600000" },
      }));
      const results = await Promise.all([0, 1, 2].map(() => createTopics(kafka, topics)));
      // Each call reports the topics it found missing: together, every one of them.
      expect(new Set(results.flat())).toEqual(new Set(topics.map((t) => t.name)));
      const states = await describeTopics(
        kafka,
        topics.map((t) => t.name),
      );
      expect(states.map((s) => s.name).sort()).toEqual(topics.map((t) => t.name).sort());
      for (const state of states) {
        expect(state.partitions).toHaveLength(3);
        for (const p of state.partitions) expect(p.leader).toBeGreaterThanOrEqual(0);
        expect(state.configs["retention.ms"]).toBe("3600000");
      }
    }
  });
});
