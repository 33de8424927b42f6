import { Kafka, logLevel, type Consumer, type KafkaMessage } from "kafkajs";
import { createTopics as createTopicsAsConfigured } from "@arbiter/shared/kafka/topic-admin.js";
import { kafkaBrokers } from "./env.js";

export function testKafka(clientId: string): Kafka {
  const kafka = new Kafka({
    clientId,
    brokers: kafkaBrokers,
    // kafkajs logs retriable errors it recovers from (e.g. CONCURRENT_TRANSACTIONS) at ERROR; KAFKAJS_LOG=1 shows them.
    logLevel: process.env.KAFKAJS_LOG ? logLevel.INFO : logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100 },
  });
  // Tests count records exactly. A plain producer that retries a request (a partition of a topic
  // just created, not yet taking writes on a loaded broker) writes again the records the broker
  // had already taken: seen as 52 posts for 40 sent, and 12 for 10. Idempotent unless a test says otherwise.
  const producer = kafka.producer.bind(kafka);
  kafka.producer = (config = {}) => producer({ idempotent: true, maxInFlightRequests: 1, ...config });
  return kafka;
}

/** Creates topics (those missing) and waits until their leaders are known, as the workers do. */
export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  await createTopicsAsConfigured(
    kafka,
    topics.map((name) => ({ name, partitions: numPartitions, replicationFactor: 1, configs: {} })),
  );
}

export interface Collected {
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads a topic from the beginning with a fresh group until `count` records arrived or
 * `timeoutMs` passed; returns what it saw (callers assert on it).
 */
export async function collect(
  kafka: Kafka,
  topic: string,
  opts: { count: number; timeoutMs?: number; groupId: string; readUncommitted?: boolean; settleMs?: number },
): Promise<Collected[]> {
  const consumer: Consumer = kafka.consumer({ groupId: opts.groupId, readUncommitted: opts.readUncommitted ?? false });
  const seen: Collected[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, opts.timeoutMs ?? 30_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, message });
        if (seen.length >= opts.count) {
          clearTimeout(timer);
          // Wait a little longer so that duplicates beyond `count` would show up too.
          setTimeout(resolve, opts.settleMs ?? 0);
        }
      },
    });
  });
  await done;
  await consumer.disconnect();
  return seen;
}
