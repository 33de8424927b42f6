import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from "kafkajs";
import type { KafkaSettings } from "./kafka-settings.js";
import type { Logger } from "../observability/logger.js";
import type { WorkerMetrics } from "../observability/metrics.js";
import { AcknowledgedPublisher } from "./acknowledged-publisher.js";
import { AssignedPartition } from "./assigned-partition.js";
import { ConcurrencyLimit } from "./concurrency-limit.js";
import type { PartitionFencedError } from "./errors/partition-fenced-error.js";
import type { InboundRecord, OutboundRecord } from "./consumed-record.js";
import { undecompressableBatch, type UndecompressableBatch } from "./compression.js";
import type { PartitionPublisher } from "./partition-publisher.js";
import type { RecordProcessor, RecordResult } from "./record-processor.js";
import { TransactionalPublisher } from "./transactional-publisher.js";

export interface StreamRunnerOptions {
  kafka: Kafka;
  groupId: string;
  /** The topic this runner consumes. */
  topic: string;
  exactlyOnce: boolean;
  /** Exactly-once: each input partition's producer has the id `<prefix>-<group>-<topic>-<partition>`, so its next owner fences this worker. */
  transactionalIdPrefix: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  partitionsConsumedConcurrently: number;
  /** Records screened together and published together (one transaction in exactly-once mode). */
  maxRecordsPerCommit: number;
  /** Deferred (model-bound) records taken on and unfinished per worker; at this many the worker pauses its partitions. @defaultValue 64 */
  maxInFlight?: number;
  /** Deferred records running at once (the rest wait in the runner): enough to keep every model sequence busy. @defaultValue 4 */
  maxDeferredRunning?: number;
  /** Longest offset-commit metadata (the broker's offset.metadata.max.bytes). @defaultValue 4096 */
  maxCommitMetadataBytes?: number;
  processor: RecordProcessor;
  /**
   * The dead letter for input the runner itself cannot hand the processor: a fetched batch that
   * cannot be decompressed (the raw batch as the value), or a record whose outputs the broker
   * refuses as too large (no key, value or headers: the smallest dead letter there is). Null: no
   * dead letter (a replay writes none).
   */
  deadLetter: (record: InboundRecord, error: Error, stage: "fetch" | "publish") => OutboundRecord | null;
  /** Failed publishes of one partition in a row after which `ready()` is false (the worker keeps trying). @defaultValue 10 */
  maxPublishFailures?: number;
  /** The engine's queue, for backpressure: partitions also pause while it is full. */
  engineQueue: () => { depth: number; capacity: number };
  metrics: WorkerMetrics;
  logger: Logger;
  /** Called when kafkajs gives up (a non-retriable crash): the process should exit non-zero. */
  onFatal: (error: Error) => void;
}

/**
 * Consumes one topic in a consumer group and publishes what the processor returns, the
 * parallel-consumer way: records complete out of order across order keys and in order within one
 * (RecordResult.orderKey: the Kafka key unless the processor names another, as the post id);
 * a record the processor decides at once is published with its fetch, never behind a model
 * call; offsets commit up to the lowest unfinished record, with the done set above it in the
 * commit's metadata. eachBatch returns while deferred work goes on, so kafkajs keeps fetching
 * and heartbeating; past `maxInFlight` deferred records (or a full engine queue) the worker
 * pauses its partitions, and kafkajs heartbeats from its fetch loop while they are paused.
 */
/** The consumer-group and commit settings every runner takes from the `kafka` section as they are. */
export function runnerKafkaSettings(kafka: KafkaSettings) {
  return {
    transactionalIdPrefix: kafka.transactionalIdPrefix,
    sessionTimeoutMs: kafka.sessionTimeoutMs,
    rebalanceTimeoutMs: kafka.rebalanceTimeoutMs,
    heartbeatIntervalMs: kafka.heartbeatIntervalMs,
    partitionsConsumedConcurrently: kafka.partitionsConsumedConcurrently,
    maxRecordsPerCommit: kafka.maxRecordsPerCommit,
    maxCommitMetadataBytes: kafka.maxCommitMetadataBytes,
    maxPublishFailures: kafka.maxPublishFailures,
  } satisfies Partial<StreamRunnerOptions>;
}

export class StreamRunner {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private admin: Admin | null = null;
  private readonly partitions = new Map<number, AssignedPartition>();
  private assigned = new Set<number>();
  private memberId: string | null = null;
  private joins = 0;
  private inFlight = 0;
  private paused = false;
  private readonly batches = new Set<Promise<void>>();
  private joined = false;
  private lastActivity = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private pressure: NodeJS.Timeout | undefined;
  private stopping = false;
  private restarting = false;
  private readonly maxInFlight: number;
  private readonly maxCommitMetadataBytes: number;
  private readonly deferredLimit: ConcurrencyLimit;

  constructor(private readonly options: StreamRunnerOptions) {
    this.maxInFlight = options.maxInFlight ?? 64;
    this.deferredLimit = new ConcurrencyLimit(options.maxDeferredRunning ?? 4);
    this.maxCommitMetadataBytes = options.maxCommitMetadataBytes ?? 4096;
  }

  /** Joined the group and able to produce, and no partition's publishes have kept failing. */
  ready(): boolean {
    if (!this.joined || (!this.options.exactlyOnce && this.producer === null)) return false;
    for (const part of this.partitions.values()) if (part.stalled) return false;
    return true;
  }

  /** Heard from the broker lately (a fetch, a heartbeat or a batch). */
  live(): boolean {
    return Date.now() - this.lastActivity < Math.max(this.options.sessionTimeoutMs * 2, 30_000);
  }

  async start(): Promise<void> {
    const o = this.options;
    this.admin = o.kafka.admin();
    await this.admin.connect();
    if (!o.exactlyOnce) {
      this.producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    await this.startConsumer();
    this.watchdog = setInterval(() => void this.restartIfStalled(), 5000);
    this.watchdog.unref();
    // The engine queue drains without telling the runner; look at it now and then.
    this.pressure = setInterval(() => this.applyBackpressure(), 200);
    this.pressure.unref();
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
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (this.consumer !== consumer) {
        // A replaced consumer whose own crash-restart was still joining when it was disconnected
        // (kafkajs' stop does nothing to a runner that has not joined yet): it must not hold partitions.
        o.logger.warn("a replaced consumer joined the group; disconnecting it");
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.joined = true;
      o.metrics.groupJoins.inc();
      touch();
      this.onAssignment(consumer, event.payload.memberId, event.payload.memberAssignment[o.topic] ?? []);
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
      eachBatch: (payload) => (this.consumer === consumer ? this.eachBatch(payload) : Promise.resolve()),
    });
  }

  /**
   * A new assignment. Partitions kept by the same member keep their work and fetch on from where
   * they were (kafkajs would go back to the committed offset); any other partition, and all of
   * them when this worker comes back under a new member id (it was expelled: another member may
   * have owned them since), starts afresh: fence, then read the committed offset and done set.
   */
  private onAssignment(consumer: Consumer, memberId: string, partitions: number[]): void {
    const o = this.options;
    const rejoined = this.memberId !== null && memberId !== this.memberId;
    this.memberId = memberId;
    this.joins++;
    this.assigned = new Set(partitions);
    for (const [p, part] of this.partitions) {
      if (rejoined || part.closed || !this.assigned.has(p)) this.drop(p, rejoined ? "rejoined under a new member id" : "revoked");
    }
    for (const p of partitions) {
      const kept = this.partitions.get(p);
      if (!kept) {
        this.partitions.set(p, this.open(consumer, p));
        continue;
      }
      void kept.ready.then(
        () => {
          if (!kept.closed && this.consumer === consumer) this.control((c) => c.seek({ topic: o.topic, partition: p, offset: kept.position() }));
        },
        () => undefined,
      );
    }
    o.logger.info({ partitions, rejoined }, "partitions assigned");
    // A pause (backpressure or fencing) outlives a rebalance in kafkajs: start the new assignment unpaused.
    if (partitions.length > 0) this.control((c) => c.resume([{ topic: o.topic, partitions }]));
    this.paused = false;
    o.metrics.pausedPartitions.set(0);
    if (this.stopping) this.pauseAll();
    else this.applyBackpressure();
  }

  private open(consumer: Consumer, partition: number): AssignedPartition {
    const o = this.options;
    return new AssignedPartition({
      topic: o.topic,
      partition,
      maxRecordsPerCommit: o.maxRecordsPerCommit,
      maxCommitMetadataBytes: this.maxCommitMetadataBytes,
      exact: o.exactlyOnce,
      deferredLimit: this.deferredLimit,
      maxPublishFailures: o.maxPublishFailures ?? 10,
      refused: (offset, error) => o.deadLetter({ topic: o.topic, partition, offset, key: null, value: null, headers: {} }, error, "publish"),
      connect: async () => {
        const publisher: PartitionPublisher = o.exactlyOnce
          ? await TransactionalPublisher.open(o.kafka, `${o.transactionalIdPrefix}-${o.groupId}-${o.topic}-${partition}`, o.groupId, o.topic, partition)
          : new AcknowledgedPublisher(this.producer!, consumer, o.topic, partition);
        try {
          return { publisher, committed: await this.committed(partition) };
        } catch (error) {
          await publisher.close().catch(() => undefined);
          throw error;
        }
      },
      onInFlight: (delta) => {
        this.inFlight += delta;
        if (delta < 0) this.applyBackpressure();
      },
      onFenced: (error) => this.onFenced(consumer, error),
      logger: o.logger,
    });
  }

  /** The group's committed offset and metadata for a partition, read from the broker now. */
  private async committed(partition: number): Promise<{ offset: string | null; metadata: string | null }> {
    const o = this.options;
    const topics = await this.admin!.fetchOffsets({ groupId: o.groupId, topics: [o.topic] });
    const entry = topics.find((t) => t.topic === o.topic)?.partitions.find((p) => p.partition === partition);
    return { offset: entry?.offset ?? null, metadata: entry?.metadata ?? null };
  }

  private drop(partition: number, reason: string): void {
    const part = this.partitions.get(partition);
    if (!part) return;
    this.partitions.delete(partition);
    part.close(reason).catch((error: Error) => this.options.logger.warn({ partition, err: error.message }, "closing a partition's producer failed"));
  }

  /**
   * A newer producer took this partition's transactional id: normally a rebalance this worker
   * has not heard of yet moved the partition away. The partition stays paused until the next
   * assignment; if none comes within a session timeout and the partition is still assigned, the
   * group has kept it here (the fence came from a stale owner): open it again.
   */
  private onFenced(consumer: Consumer, error: PartitionFencedError): void {
    const o = this.options;
    const p = error.partition;
    if (this.consumer === consumer) this.control((c) => c.pause([{ topic: o.topic, partitions: [p] }]));
    const joinsAtFence = this.joins;
    setTimeout(() => {
      const part = this.partitions.get(p);
      if (this.stopping || this.joins !== joinsAtFence || this.consumer !== consumer || !this.assigned.has(p) || !part?.closed) return;
      o.logger.warn({ partition: p }, "still assigned a session timeout after being fenced: opening the partition again");
      const again = this.open(consumer, p);
      this.partitions.set(p, again);
      void again.ready.then(
        () => {
          if (again.closed || this.consumer !== consumer) return;
          this.control((c) => {
            c.seek({ topic: o.topic, partition: p, offset: again.position() });
            c.resume([{ topic: o.topic, partitions: [p] }]);
          });
        },
        () => this.drop(p, "failed to open"),
      );
    }, o.sessionTimeoutMs + o.heartbeatIntervalMs).unref();
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
   * Stops taking records, lets in-flight work finish and publishes and commits it, then leaves
   * the group. Past `timeoutMs` in-flight deferred work is aborted: those records are not
   * committed and are processed again after a restart (or by the partition's next owner).
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.pressure) clearInterval(this.pressure);
    // Paused, the consumer stays in the group (kafkajs heartbeats from its idle fetch loop), so the drain can still commit.
    this.pauseAll();
    const timer = setTimeout(() => {
      for (const part of this.partitions.values()) part.abortWork(new Error("shutdown timeout"));
    }, timeoutMs);
    try {
      await Promise.allSettled([...this.batches]);
      await Promise.all([...this.partitions.values()].map((part) => part.drain()));
      await this.consumer?.stop();
      await this.consumer?.disconnect();
      await Promise.allSettled([...this.partitions.values()].map((part) => part.close("stopped")));
      this.partitions.clear();
      await this.producer?.disconnect();
      await this.admin?.disconnect();
    } finally {
      clearTimeout(timer);
      this.joined = false;
    }
  }

  private eachBatch(payload: EachBatchPayload): Promise<void> {
    const run = this.consumeBatch(payload);
    this.batches.add(run);
    const forget = () => this.batches.delete(run);
    run.then(forget, forget);
    return run;
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const o = this.options;
    const { batch } = payload;
    o.metrics.lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    this.lastActivity = Date.now();
    const part = this.partitions.get(batch.partition);
    // Not (or no longer) ours, or fenced and paused: leave the records where they are.
    if (!part || part.closed || this.stopping) return;
    // Only while this batch waits (for the partition's fence and offsets, or a publish); between batches kafkajs heartbeats itself.
    const heartbeats = setInterval(
      () => {
        payload.heartbeat().then(
          () => (this.lastActivity = Date.now()),
          (error: Error) => o.logger.debug({ err: error.message }, "heartbeat failed"),
        );
      },
      Math.max(100, Math.floor(o.heartbeatIntervalMs / 2)),
    );
    // Batches kafkajs could not decompress arrive as stand-in records (see compression.ts): one dead letter each.
    const standIns = this.standIns(batch.messages);
    try {
      try {
        await part.ready;
      } catch (error) {
        this.drop(batch.partition, "failed to open");
        throw error;
      }
      for (let start = 0; start < batch.messages.length; start += o.maxRecordsPerCommit) {
        if (!payload.isRunning() || payload.isStale() || part.closed || this.stopping) break;
        const chunk = batch.messages.slice(start, start + o.maxRecordsPerCommit);
        const records = this.inbound(part, batch.topic, chunk);
        if (records.length > 0) {
          let results;
          try {
            results = standIns.length === 0 ? await o.processor.processBatch(records, part.signal) : await this.processAround(records, standIns, part.signal);
          } catch (error) {
            if (part.closed) break;
            throw error;
          }
          // One chunk's publish overlaps the next chunk's processing, no more.
          await part.lastPublished;
          part.lastPublished = part.admit(records, results);
          this.applyBackpressure();
        }
        // The fetch position moves on (autoCommit is off: nothing is committed by kafkajs).
        payload.resolveOffset(chunk.at(-1)!.offset);
      }
    } finally {
      clearInterval(heartbeats);
    }
  }

  private standIns(messages: KafkaMessage[]): UndecompressableBatch[] {
    const found: UndecompressableBatch[] = [];
    for (const message of messages) {
      const standIn = message.headers && undecompressableBatch(message);
      if (standIn) found.push(standIn);
    }
    return found;
  }

  /**
   * The processor's results for the real records of a chunk, and the stand-ins' own: the one at
   * an undecompressable batch's last offset gives its dead letter (the raw batch), the rest nothing.
   */
  private async processAround(records: InboundRecord[], standIns: UndecompressableBatch[], signal: AbortSignal): Promise<RecordResult[]> {
    const o = this.options;
    const results = new Array<RecordResult>(records.length);
    const real: InboundRecord[] = [];
    const realAt: number[] = [];
    records.forEach((record, i) => {
      const offset = BigInt(record.offset);
      const batch = standIns.find((b) => offset >= b.firstOffset && offset <= b.lastOffset);
      if (!batch) {
        real.push(record);
        realAt.push(i);
        return;
      }
      if (offset !== batch.lastOffset) {
        results[i] = { kind: "ready", outputs: [] };
        return;
      }
      o.logger.error({ partition: record.partition, err: batch.error.message }, "record batch cannot be decompressed: dead-lettered as raw bytes");
      const letter = o.deadLetter({ ...record, value: batch.raw, headers: {} }, batch.error, "fetch");
      results[i] = { kind: "ready", outputs: letter ? [letter] : [] };
    });
    if (real.length > 0) {
      const processed = await o.processor.processBatch(real, signal);
      processed.forEach((result, j) => (results[realAt[j]!] = result));
    }
    return results;
  }

  /** The chunk's records the partition has not seen or finished before. */
  private inbound(part: AssignedPartition, topic: string, messages: KafkaMessage[]): InboundRecord[] {
    const records: InboundRecord[] = [];
    for (const message of messages) {
      if (!part.accept(message.offset)) continue;
      records.push({
        topic,
        partition: part.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: (message.headers ?? {}) as InboundRecord["headers"],
      });
    }
    return records;
  }

  private applyBackpressure(): void {
    if (this.stopping || !this.consumer) return;
    const { depth, capacity } = this.options.engineQueue();
    const full = this.inFlight >= this.maxInFlight || depth >= capacity;
    const partitions = [...this.assigned].filter((p) => !this.partitions.get(p)?.closed);
    if (full && !this.paused) {
      this.paused = true;
      this.control((c) => c.pause([{ topic: this.options.topic, partitions }]));
      this.options.metrics.pausedPartitions.set(partitions.length);
      this.options.metrics.partitionPauses.inc(partitions.length);
      this.options.logger.debug({ inFlight: this.inFlight, depth }, "model stage full: partitions paused");
    } else if (!full && this.paused) {
      this.paused = false;
      this.control((c) => c.resume([{ topic: this.options.topic, partitions }]));
      this.options.metrics.pausedPartitions.set(0);
    }
  }

  private pauseAll(): void {
    this.control((c) => c.pause([{ topic: this.options.topic }]));
  }

  /** pause, resume and seek throw while a replacement consumer is not running yet; its first assignment sets them again. */
  private control(action: (consumer: Consumer) => void): void {
    if (!this.consumer) return;
    try {
      action(this.consumer);
    } catch (error) {
      this.options.logger.debug({ err: (error as Error).message }, "consumer not running: pause/resume/seek skipped");
    }
  }
}
