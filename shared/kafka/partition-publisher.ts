import type { Message, TopicMessages } from "kafkajs";
import type { OutboundRecord } from "./consumed-record.js";
import type { CommitPoint } from "./offset-tracker.js";

/** Publishes one input partition's outputs and moves its committed offset. */
export interface PartitionPublisher {
  /**
   * Produces `outputs` (in order) and commits `commit`: in one transaction (exactly-once), or the
   * commit only after every output is acknowledged (at-least-once). Rejects with
   * PartitionFencedError when a newer owner of the partition has fenced this one.
   */
  publish(outputs: readonly OutboundRecord[], commit: CommitPoint): Promise<void>;
  close(): Promise<void>;
}

/** Outputs grouped by topic, each topic's records in their original order. */
export function toTopicMessages(outputs: readonly OutboundRecord[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const r of outputs) {
    let entry = byTopic.get(r.topic);
    if (!entry) byTopic.set(r.topic, (entry = { topic: r.topic, messages: [] }));
    // An OutboundRecord is a kafkajs message as it is (kafkajs reads key, value, headers).
    entry.messages.push(r as Message);
  }
  return [...byTopic.values()];
}
