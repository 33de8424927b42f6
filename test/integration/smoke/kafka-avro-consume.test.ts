import avro from "avsc";
import type { Kafka } from "kafkajs";
import { createTopics, testKafka } from "../../support/kafka.js";
import { testNamespace } from "../../support/namespace.js";

const postType = avro.Type.forSchema({
  type: "record",
  name: "SmokePost",
  namespace: "arbiter.test",
  fields: [
    { name: "id", type: "string" },
    { name: "text", type: "string" },
    { name: "seq", type: "int" },
  ],
});

const N = 300;
const ns = testNamespace("avro consume restart");
const topic = ns.topic("posts");
const groupId = ns.group("smoke");
let kafka: Kafka;

beforeAll(async () => {
  kafka = testKafka(ns.id);
  await createTopics(kafka, [topic], 3);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: N }, (_, seq) => ({
      key: `post-${seq}`,
      value: postType.toBuffer({ id: `post-${seq}`, text: `hello ${seq}`, seq }),
    })),
  });
  await producer.disconnect();
});

/** Consumes with manual commits after each record; stops after `stopAfter` records or when idle. */
async function consumeOnce(stopAfter: number): Promise<number[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const seen: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let lastProgress = Date.now();
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        clearInterval(idle);
        resolve();
      }
    };
    const idle = setInterval(() => {
      if (Date.now() - lastProgress > 4000) finish();
    }, 200);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (done) return;
        const post = postType.fromBuffer(message.value!) as { id: string; seq: number };
        expect(message.key?.toString()).toBe(post.id);
        seen.push(post.seq);
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        lastProgress = Date.now();
        if (seen.length >= stopAfter) finish();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

test("Avro records round-trip through a 3-partition topic; a restarted consumer sees none twice", async () => {
  const first = await consumeOnce(N / 2);
  const second = await consumeOnce(Number.POSITIVE_INFINITY);
  expect(first.length).toBeGreaterThanOrEqual(N / 2);
  expect(second.length).toBeGreaterThan(0);
  const all = [...first, ...second];
  expect(new Set(all).size).toBe(all.length);
  expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
}, 60_000);
