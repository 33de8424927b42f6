import { setMaxListeners } from "node:events";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer, TopicMessages } from "kafkajs";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import type { InboundRecord, OutboundRecord } from "../pipeline/inbound-record.js";
import type { RecordProcessor } from "../pipeline/post-processor.js";

export interface StreamRunnerOptions {
  kafka: Kafka;
  groupId: string;
  /** The topic this runner consumes. */
  topic: string;
  exactlyOnce: boolean;
  transactionalId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  partitionsConsumedConcurrently: number;
  maxRecordsPerCommit: number;
  processor: RecordProcessor;
  /** The engine's queue, for backpressure: partitions pause while it is full. */
  engineQueue: () => { depth: number; capacity: number };
  metrics: WorkerMetrics;
  logger: Logger;
  /** Called when kafkajs gives up (a non-retriable crash): the process should exit non-zero. */
  onFatal: (error: Error) => void;
}

/**
 * Consumes one topic in a consumer group and publishes what the processor returns.
 *
 * Records of a batch are processed concurrently, in order per key (post id); then the outputs
 * are produced and the offsets committed — after every output is acknowledged (at-least-once),
 * or in one Kafka transaction with the offsets (exactly-once). A long model call never costs the
 * group membership: the runner heartbeats on a timer while a batch is in flight.
 */
export class StreamRunner {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private joined = false;
  private lastActivity = Date.now();
  private readonly abort = new AbortController();
  /** Transactions of one producer run one at a time; partitions take turns here. */
  private transactionLane: Promise<void> = Promise.resolve();
  private readonly paused = new Set<number>();
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Batches being processed: stop() lets them finish and commit before it stops the consumer. */
  private readonly inFlight = new Set<Promise<void>>();
  private restarting = false;

  constructor(private readonly options: StreamRunnerOptions) {
    // Every in-flight model call listens on this one signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** Joined the group and able to produce. */
  ready(): boolean {
    return this.joined && this.producer !== null;
  }

  /** Heard from the broker lately (a fetch, a heartbeat or a batch). */
  live(): boolean {
    return Date.now() - this.lastActivity < Math.max(this.options.sessionTimeoutMs * 2, 30_000);
  }

  async start(): Promise<void> {
    const o = this.options;
    this.producer = o.kafka.producer(
      o.exactlyOnce
        ? { transactionalId: o.transactionalId, idempotent: true, maxInFlightRequests: 1 }
        : { idempotent: true, maxInFlightRequests: 1 },
    );
    await this.producer.connect();
    await this.startConsumer();
    this.watchdog = setInterval(() => void this.restartIfStalled(), 5000);
    this.watchdog.unref();
  }

  private async startConsumer(): Promise<void> {
    const o = this.options;
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      readUncommitted: false,
      maxWaitTimeInMs: 250,
    });
    this.consumer = consumer;
    this.lastActivity = Date.now();
    const touch = () => {
      this.lastActivity = Date.now();
    };
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      o.metrics.groupJoins.inc();
      touch();
    });
    consumer.on(consumer.events.HEARTBEAT, touch);
    consumer.on(consumer.events.FETCH, touch);
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.joined = false;
      if (restart) {
        o.logger.warn({ err: error.message }, "consumer crashed; kafkajs restarts it");
      } else {
        o.logger.error({ err: error.message }, "consumer crashed and will not restart");
        o.onFatal(error);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      eachBatch: (payload) => {
        const batch = this.eachBatch(payload);
        this.inFlight.add(batch);
        return batch.finally(() => this.inFlight.delete(batch));
      },
    });
  }

  /**
   * kafkajs can go quiet after a broker outage that outlasts its own retries (no fetch, no
   * heartbeat, no crash event). Then the consumer is replaced; uncommitted records come again.
   */
  private async restartIfStalled(): Promise<void> {
    if (this.stopping || this.restarting || this.live()) return;
    this.restarting = true;
    const o = this.options;
    o.logger.warn({ quietMs: Date.now() - this.lastActivity }, "consumer stalled; replacing it");
    try {
      const old = this.consumer;
      this.joined = false;
      await Promise.race([old?.disconnect(), new Promise((r) => setTimeout(r, 10_000))]).catch(() => undefined);
      if (!this.stopping) await this.startConsumer();
    } catch (error) {
      o.logger.error({ err: (error as Error).message }, "consumer restart failed; trying again");
      this.lastActivity = Date.now();
    } finally {
      this.restarting = false;
    }
  }

  /**
   * Stops taking batches, lets the one in flight finish and commit, and disconnects. Past
   * `timeoutMs` in-flight model calls are aborted: their records are not committed and are
   * processed again after a restart.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    const timer = setTimeout(() => this.abort.abort(new Error("shutdown timeout")), timeoutMs);
    try {
      // kafkajs drops commitOffsets once its consumer is stopping, so the batches in flight finish first.
      await Promise.allSettled([...this.inFlight]);
      await this.consumer?.stop();
      await this.consumer?.disconnect();
      await this.producer?.disconnect();
    } finally {
      clearTimeout(timer);
      this.joined = false;
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const o = this.options;
    const { batch } = payload;
    o.metrics.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    this.lastActivity = Date.now();
    const heartbeats = setInterval(() => {
      payload.heartbeat().then(
        () => (this.lastActivity = Date.now()),
        (error: Error) => o.logger.debug({ err: error.message }, "heartbeat failed"),
      );
      this.applyBackpressure(batch.topic, batch.partition);
    }, Math.max(100, Math.floor(o.heartbeatIntervalMs / 2)));
    // Chunk k+1 is processed while chunk k is being produced and committed; publishing stays
    // in order, so offsets only move forward and a key's records keep their order.
    let published: Promise<void> = Promise.resolve();
    try {
      for (let start = 0; start < batch.messages.length; start += o.maxRecordsPerCommit) {
        if (this.stopping || !payload.isRunning() || payload.isStale()) break;
        const chunk = batch.messages.slice(start, start + o.maxRecordsPerCommit);
        const outputs = await this.processChunk(batch.topic, batch.partition, chunk);
        const last = chunk.at(-1)!.offset;
        await published;
        published = this.publish(outputs, batch.topic, batch.partition, (BigInt(last) + 1n).toString()).then(() => payload.resolveOffset(last));
        // Awaited on the next turn; until then a failure must not count as unhandled.
        published.catch(() => undefined);
      }
      await published;
    } finally {
      clearInterval(heartbeats);
      this.resumeIfPaused(batch.topic, batch.partition);
    }
  }

  /** Hands a chunk to the processor (which keeps each key's records in order) and flattens its outputs in offset order. */
  private async processChunk(topic: string, partition: number, messages: KafkaMessage[]): Promise<OutboundRecord[]> {
    const records: InboundRecord[] = messages.map((message) => ({
      topic,
      partition,
      offset: message.offset,
      key: message.key ?? null,
      value: message.value ?? null,
      headers: (message.headers ?? {}) as InboundRecord["headers"],
    }));
    const results = await this.options.processor.processBatch(records, this.abort.signal);
    return results.flat();
  }

  private async publish(outputs: OutboundRecord[], topic: string, partition: number, nextOffset: string): Promise<void> {
    const o = this.options;
    const producer = this.producer!;
    const byTopic = new Map<string, TopicMessages>();
    for (const r of outputs) {
      let entry = byTopic.get(r.topic);
      if (!entry) byTopic.set(r.topic, (entry = { topic: r.topic, messages: [] }));
      // An OutboundRecord is a kafkajs message as it is (kafkajs reads key, value, headers).
      entry.messages.push(r as Message);
    }
    const topicMessages = [...byTopic.values()];
    if (!o.exactlyOnce) {
      if (topicMessages.length > 0) await producer.sendBatch({ topicMessages, acks: -1 });
      await this.consumer!.commitOffsets([{ topic, partition, offset: nextOffset }]);
      return;
    }
    const turn = this.transactionLane.then(async () => {
      const transaction = await producer.transaction();
      try {
        if (topicMessages.length > 0) await transaction.sendBatch({ topicMessages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: o.groupId,
          topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    });
    this.transactionLane = turn.catch(() => undefined);
    await turn;
  }

  private applyBackpressure(topic: string, partition: number): void {
    const { depth, capacity } = this.options.engineQueue();
    if (depth >= capacity && !this.paused.has(partition)) {
      this.consumer?.pause([{ topic, partitions: [partition] }]);
      this.paused.add(partition);
      this.options.metrics.pausedPartitions.set(this.paused.size);
      this.options.metrics.partitionPauses.inc();
      this.options.logger.debug({ partition, depth }, "engine queue full: partition paused");
    } else if (depth < capacity) {
      this.resumeIfPaused(topic, partition);
    }
  }

  private resumeIfPaused(topic: string, partition: number): void {
    if (!this.paused.delete(partition)) return;
    this.consumer?.resume([{ topic, partitions: [partition] }]);
    this.options.metrics.pausedPartitions.set(this.paused.size);
  }
}
