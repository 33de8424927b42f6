import type { Consumer, Producer } from "kafkajs";
import type { OutboundRecord } from "./consumed-record.js";
import type { CommitPoint } from "./offset-tracker.js";
import { toTopicMessages, type PartitionPublisher } from "./partition-publisher.js";

/**
 * At-least-once: outputs through the worker's idempotent producer, acknowledged by every
 * replica, then the offset through the consumer (whose commit carries the group generation, so
 * a member that lost the partition cannot commit it).
 */
export class AcknowledgedPublisher implements PartitionPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  async publish(outputs: readonly OutboundRecord[], commit: CommitPoint): Promise<void> {
    if (outputs.length > 0) await this.producer.sendBatch({ topicMessages: toTopicMessages(outputs), acks: -1 });
    // kafkajs passes metadata through to OffsetCommit; its type leaves it out.
    await this.consumer.commitOffsets([
      { topic: this.topic, partition: this.partition, offset: commit.offset, metadata: commit.metadata } as {
        topic: string;
        partition: number;
        offset: string;
      },
    ]);
  }

  async close(): Promise<void> {
    // The producer is the worker's, shared by every partition.
  }
}
