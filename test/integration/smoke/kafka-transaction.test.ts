import type { Kafka } from "kafkajs";
import { collect, createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";

const ns = testNamespace("transaction send offsets");
const input = ns.topic("in");
const output = ns.topic("out");
const groupId = ns.group("processor");
let kafka: Kafka;

beforeAll(async () => {
  kafka = testKafka(ns.id);
  await createTopics(kafka, [input, output], 3);
  // Idempotent: a retried produce request (a partition not ready yet on a loaded broker) must not
  // write its records twice, which a plain producer does (seen: 12 input records for 10 sent).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic: input,
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `in-${i}` })),
  });
  await producer.disconnect();
});

test("produce + sendOffsets commit in one transaction; an aborted one stays invisible to read_committed", async () => {
  // Read the input as the processing group would, without committing.
  const consumed = await collect(kafka, input, { count: 10, groupId: ns.group("reader"), timeoutMs: 20_000 });
  expect(consumed).toHaveLength(10);
  const nextOffsets = new Map<number, bigint>();
  for (const { partition, message } of consumed) {
    const next = BigInt(message.offset) + 1n;
    if ((nextOffsets.get(partition) ?? 0n) < next) nextOffsets.set(partition, next);
  }

  const producer = kafka.producer({
    transactionalId: ns.transactionalId("p"),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const committed = await producer.transaction();
  await committed.send({
    topic: output,
    messages: consumed.map(({ message }) => ({ key: message.key, value: `out-${message.value?.toString()}` })),
  });
  await committed.sendOffsets({
    consumerGroupId: groupId,
    topics: [
      {
        topic: input,
        partitions: [...nextOffsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
      },
    ],
  });
  await committed.commit();

  const aborted = await producer.transaction();
  await aborted.send({ topic: output, messages: [1, 2, 3].map((i) => ({ key: `x${i}`, value: `aborted-${i}` })) });
  await aborted.abort();
  await producer.disconnect();

  const readCommitted = await collect(kafka, output, { count: 11, groupId: ns.group("rc"), timeoutMs: 6_000 });
  const values = readCommitted.map(({ message }) => message.value?.toString()).sort();
  expect(values).toEqual(consumed.map(({ message }) => `out-${message.value?.toString()}`).sort());

  // The aborted records really are in the log: a read_uncommitted reader sees them.
  const readUncommitted = await collect(kafka, output, {
    count: 13,
    groupId: ns.group("ru"),
    timeoutMs: 10_000,
    readUncommitted: true,
  });
  expect(readUncommitted.map(({ message }) => message.value?.toString())).toEqual(expect.arrayContaining(["aborted-1", "aborted-2", "aborted-3"]));

  // The group's offsets were committed by the transaction.
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
  await admin.disconnect();
  const committedTotal = offsets!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
  expect(committedTotal).toBe(10);
}, 60_000);
