import type { Kafka, Producer } from "kafkajs";
import { PartitionFencedError } from "./errors/partition-fenced-error.js";
import type { OutboundRecord } from "./consumed-record.js";
import type { CommitPoint } from "./offset-tracker.js";
import { toTopicMessages, type PartitionPublisher } from "./partition-publisher.js";

// What Kafka answers a producer whose transactional id a newer producer has initialised
// (kafkajs 2.2.4 knows 47 and 49 by name; 90, PRODUCER_FENCED, only by code).
const FENCED_TYPES = new Set(["INVALID_PRODUCER_EPOCH", "INVALID_PRODUCER_ID_MAPPING", "PRODUCER_FENCED"]);
const FENCED_CODES = new Set([47, 49, 90]);

/** Whether an error from kafkajs (or one it wraps, through `cause`) says this producer was fenced. */
export function isFencedError(error: unknown): boolean {
  for (let e = error as { type?: string; code?: number; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if ((e.type && FENCED_TYPES.has(e.type)) || (typeof e.code === "number" && FENCED_CODES.has(e.code))) return true;
  }
  return false;
}

/**
 * Exactly-once for one input partition: a transactional producer whose id names the group,
 * topic and partition, so the partition's next owner initialising the same id fences this one
 * (Kafka Streams' answer before KIP-447, which kafkajs lacks: its offset commits in a
 * transaction carry no group generation). Outputs and the offset commit in one transaction.
 */
export class TransactionalPublisher implements PartitionPublisher {
  private constructor(
    private readonly producer: Producer,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /**
   * Connects and initialises the producer id (InitProducerId with the transactional id), which
   * fences any earlier owner and waits for its open transaction to end: only after this is the
   * committed offset worth reading.
   */
  static async open(kafka: Kafka, transactionalId: string, groupId: string, topic: string, partition: number): Promise<TransactionalPublisher> {
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      // kafkajs sends InitProducerId for the transactional id on the first transaction, not on
      // connect; an empty transaction aborts without a request to the broker.
      const first = await producer.transaction();
      await first.abort();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    return new TransactionalPublisher(producer, groupId, topic, partition);
  }

  async publish(outputs: readonly OutboundRecord[], commit: CommitPoint): Promise<void> {
    const transaction = await this.producer.transaction();
    try {
      if (outputs.length > 0) await transaction.sendBatch({ topicMessages: toTopicMessages(outputs), acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: this.groupId,
        // kafkajs passes metadata through to TxnOffsetCommit; its type leaves it out.
        topics: [
          {
            topic: this.topic,
            partitions: [{ partition: this.partition, offset: commit.offset, metadata: commit.metadata } as { partition: number; offset: string }],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      if (transaction.isActive()) await transaction.abort().catch(() => undefined);
      if (isFencedError(error)) throw new PartitionFencedError(this.topic, this.partition, error);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}
