import type { Consumer } from "kafkajs";
import { ecosystemRegistry, forumFieldMap, forumPost, forumPostSchema, forumPostSchemaV2, registerProducerSchema } from "../../support/confluent.js";
import { eventually } from "../../support/eventually.js";
import { collect } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";
import { PrivateSchemaRegistry } from "../../support/private-services.js";
import { testConfig, workersUnderTest } from "../../support/worker.js";

// A registry of this test's own, so the shared one keeps serving the other tests while this one is stopped.
const registry = new PrivateSchemaRegistry(18_181);
beforeAll(() => registry.start(), 240_000);
afterAll(() => registry.remove(), 60_000);

const ns = testNamespace("confluent registry outage");
const config = testConfig(ns, {
  input: { format: "confluent-avro", fieldMap: { ...forumFieldMap } },
  output: { format: "confluent-avro" },
  schemaRegistry: { url: registry.url, timeoutMs: 1000, retryMaxMs: 1000 },
});
const topics = config.kafka.topics;
const under = workersUnderTest(ns.id, config);

test("with the registry down mid-stream, posts of a schema not seen yet wait; once it is back every post is decided and none is dead-lettered", async () => {
  const producerRegistry = ecosystemRegistry(registry.url);
  const subject = `${topics.posts}-value`;
  const v1 = await registerProducerSchema(producerRegistry, subject, forumPostSchema);
  // The producer's next version, registered before the outage; the worker meets its id only during it.
  const v2 = await registerProducerSchema(producerRegistry, subject, forumPostSchemaV2);
  expect(v2).not.toBe(v1);

  // A sink reading decisions all along with the ecosystem's client (its schema cache carries it through the outage).
  const sink = ecosystemRegistry(registry.url);
  const decided = new Map<string, number>();
  const consumer: Consumer = under.kafka.consumer({ groupId: ns.group("sink"), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.decisions, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decision = (await sink.decode(message.value!)) as { postId: string };
      decided.set(decision.postId, (decided.get(decision.postId) ?? 0) + 1);
    },
  });

  const producer = under.kafka.producer();
  await producer.connect();
  const send = async (ids: string[], schemaId: number) =>
    producer.send({
      topic: topics.posts,
      acks: -1,
      messages: await Promise.all(
        ids.map(async (id) => ({ key: id, value: await producerRegistry.encode(schemaId, forumPost(id, `good game ${id}, well played`)) })),
      ),
    });
  try {
    const before = Array.from({ length: 15 }, (_, i) => `before-${i}`);
    await send(before, v1);
    await eventually(() => before.every((id) => decided.has(id)) || undefined, 90_000, "decisions of the posts before the outage");

    await registry.stop();
    // Posts keep coming while it is down: the old schema and the new one, in a few sends.
    const during = { v1: [] as string[], v2: [] as string[] };
    for (let round = 0; round < 5; round++) {
      const old = [0, 1, 2].map((i) => `during-v1-${round}-${i}`);
      const next = [0, 1, 2].map((i) => `during-v2-${round}-${i}`);
      await send(old, v1);
      await send(next, v2);
      during.v1.push(...old);
      during.v2.push(...next);
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 5000));
    // The posts of the schema the worker could not fetch wait; none is dead-lettered for the outage.
    expect(during.v2.filter((id) => decided.has(id))).toEqual([]);
    expect(await collect(under.kafka, topics.dlq, { count: 1, groupId: ns.group("dlq-during"), timeoutMs: 3000 })).toEqual([]);

    await registry.start();
    const all = [...before, ...during.v1, ...during.v2];
    await eventually(() => all.every((id) => decided.has(id)) || undefined, 120_000, "a decision for every post once the registry is back");
    expect(await collect(under.kafka, topics.dlq, { count: 1, groupId: ns.group("dlq-after"), timeoutMs: 3000 })).toEqual([]);
    expect([...decided.keys()].sort()).toEqual(all.sort());
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
}, 420_000);
