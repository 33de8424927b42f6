import type { Kafka, Message, Producer } from "kafkajs";
import type { PostWriter } from "../codec/post-writer.js";
import type { Post } from "../codec/records.js";
import type { Logger } from "../observability/logger.js";
import { ProduceUnavailableError } from "./ingest-errors.js";
import type { IngestEvent } from "./ingest-item.js";

export interface IngestTopics {
  posts: string;
  events: string;
}

/**
 * The gateway's one idempotent producer (acks from all in-sync replicas, one request in flight,
 * so the broker drops a retried duplicate and keeps the order per partition). It connects at the
 * first send, not at start: the gateway answers 503 while Kafka is away instead of not starting.
 * A send that Kafka does not acknowledge within `timeoutMs` is a {@link ProduceUnavailableError}
 * and the caller sends again; the late first try may still land, and then the post is on the
 * topic twice with the same key and value (the classifier's decision id is the same for both).
 */
export class IngestProducer {
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly writer: PostWriter,
    private readonly topics: IngestTopics,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /** Posts in the order given, keyed by post id, on the posts topic. */
  async sendPosts(posts: readonly Post[]): Promise<void> {
    if (posts.length === 0) return;
    const messages: Message[] = posts.map((post) => this.writer.message(post));
    await this.send(this.topics.posts, messages);
  }

  async sendEvent(event: IngestEvent): Promise<void> {
    await this.send(this.topics.events, [{ key: event.postId, value: JSON.stringify(event), headers: { "content-type": "application/json" } }]);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = null;
      throw error;
    });
    return this.connecting;
  }

  private async send(topic: string, messages: Message[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProduceUnavailableError(`Kafka did not acknowledge within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    const sent = (async () => {
      await this.connect();
      await this.producer.send({ topic, messages, acks: -1 });
    })();
    // A send abandoned at the timeout still settles later; its error is not unhandled.
    sent.catch(() => undefined);
    try {
      await Promise.race([sent, timeout]);
    } catch (error) {
      if (error instanceof ProduceUnavailableError) throw error;
      this.logger.warn({ err: (error as Error).message, topic }, "ingest: produce failed");
      throw new ProduceUnavailableError(`Kafka refused the record: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
