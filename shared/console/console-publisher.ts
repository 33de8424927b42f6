import type { Producer } from "kafkajs";
import type { Appeal, Decision } from "../codec/records.js";
import type { TopicNames } from "../kafka/kafka-settings.js";
import type { Codecs } from "../codec/codecs.js";

/** What the console publishes: moderators' decisions (stage human) and appeals, keyed by post id, acknowledged by every replica. */
export class ConsolePublisher {
  constructor(
    private readonly producer: Producer,
    private readonly codecs: Pick<Codecs, "decision" | "appeal">,
    private readonly topics: Pick<TopicNames, "decisions" | "appeals">,
  ) {}

  async decision(decision: Decision): Promise<void> {
    await this.producer.send({ topic: this.topics.decisions, acks: -1, messages: [{ key: decision.postId, ...this.codecs.decision.encode(decision) }] });
  }

  async appeal(appeal: Appeal): Promise<void> {
    await this.producer.send({ topic: this.topics.appeals, acks: -1, messages: [{ key: appeal.post.id, ...this.codecs.appeal.encode(appeal) }] });
  }
}
