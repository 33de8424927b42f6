import type { Kafka, Message, Producer } from "kafkajs";
import type { PostWriter } from "../codec/post-writer.js";
import type { Post } from "../codec/records.js";
import { tcpProbe } from "../net/tcp-probe.js";
import type { Logger } from "../observability/logger.js";
import { ProduceUnavailableError } from "./ingest-errors.js";
import type { IngestEvent } from "./ingest-item.js";

/** Most sends waiting for Kafka at once (each request's, and those abandoned at the timeout that still retry). */
export const MAX_PENDING = 1000;

/** A TCP connect to one `host:port` of kafka.brokers (`[::1]:9092` for IPv6): null when it answered. */
async function probe(broker: string, timeoutMs: number): Promise<string | null> {
  const at = broker.lastIndexOf(":");
  const host = broker.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const problem = await tcpProbe(host, Number(broker.slice(at + 1)), timeoutMs);
  return problem === null ? null : `${broker} ${problem}`;
}

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
 *
 * While no broker answers a TCP connect, no kafkajs connect is started (its own retries would
 * run on for a minute after the request has had its 503), and at most {@link MAX_PENDING} sends
 * wait at once: past that a request gets its 503 at once, so an outage does not pile up memory.
 */
export class IngestProducer {
  private readonly producer: Producer;
  private connecting: Promise<void> | null = null;
  private pending = 0;
  private lastWarned = 0;

  constructor(
    kafka: Kafka,
    private readonly brokers: readonly string[],
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
    this.connecting ??= (async () => {
      const problems = await Promise.all(this.brokers.map((broker) => probe(broker, Math.min(this.timeoutMs, 2000))));
      if (problems.every((p) => p !== null)) throw new ProduceUnavailableError(`no broker of kafka.brokers answers: ${problems.join("; ")}`);
      await this.producer.connect();
    })().catch((error: unknown) => {
      this.connecting = null;
      throw error;
    });
    return this.connecting;
  }

  private async send(topic: string, messages: Message[]): Promise<void> {
    if (this.pending >= MAX_PENDING) throw new ProduceUnavailableError(`${this.pending} sends are waiting for Kafka already`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProduceUnavailableError(`Kafka did not acknowledge within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    this.pending++;
    const sent = (async () => {
      try {
        await this.connect();
        await this.producer.send({ topic, messages, acks: -1 });
      } finally {
        this.pending--;
      }
    })();
    // A send abandoned at the timeout still settles later; its error is not unhandled.
    sent.catch(() => undefined);
    try {
      await Promise.race([sent, timeout]);
    } catch (error) {
      const unavailable =
        error instanceof ProduceUnavailableError
          ? error
          : new ProduceUnavailableError(`Kafka refused the record: ${(error as Error).message}`, { cause: error });
      // At most one line per 10 s through an outage; arbiter_ingest_requests_total{outcome="unavailable"} counts every one.
      if (Date.now() - this.lastWarned >= 10_000) {
        this.lastWarned = Date.now();
        this.logger.warn({ err: unavailable.message, topic }, "ingest: Kafka unavailable; requests get 503");
      }
      throw unavailable;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
