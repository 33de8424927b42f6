import type { Redis } from "ioredis";
import type { Kafka } from "kafkajs";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import type { TopicKey } from "../kafka/kafka-settings.js";
import { createKafka } from "../kafka/kafka-client.js";
import { createTopics, newTopic, topicSpecs } from "../kafka/topic-admin.js";
import { runnerKafkaSettings, StreamRunner } from "../kafka/stream-runner.js";
import { startHealthServer } from "../observability/health-server.js";
import type { Logger } from "../observability/logger.js";
import { createWorkerCodecs } from "../codec/codecs.js";
import type { Codecs } from "../codec/codecs.js";
import type { WorkerHandle } from "../worker/worker-process.js";
import { SinkProcessor, type RecordHandler } from "./sink-processor.js";
import { sinkDeadLetter } from "./sink-dead-letter.js";
import { SinkMetrics } from "./sink-metrics.js";
import { sinkRedis } from "./sink-redis.js";

/** What every sink (and the console) is built from. */
export interface SinkParts {
  config: ArbiterConfig;
  logger: Logger;
  metrics: SinkMetrics;
  codecs: Codecs;
  kafka: Kafka;
  /** Its state: closed once the consumers have drained (or when the start fails). */
  redis: Redis;
}

/** A topic a sink consumes, in a consumer group of its own, and what handles each record. */
export interface ConsumedTopic {
  groupId: string;
  topic: string;
  handler: RecordHandler;
}

export interface SinkRuntime extends WorkerHandle {
  /** Port of /healthz, /readyz (and /metrics unless `http.metricsPort` is set). */
  readonly httpPort: number;
  /** Port of /metrics. */
  readonly metricsPort: number;
}

export interface SinkRuntimeOptions {
  consumers: readonly ConsumedTopic[];
  /** Ready besides the consumers (e.g. the console's web server listening). */
  ready?: () => boolean;
  /** Runs before the consumers drain (stop taking new work from elsewhere). */
  beforeDrain?: () => Promise<void>;
  /** Runs after they stopped (close the worker's other connections). */
  afterDrain?: () => Promise<void>;
}

/**
 * Metrics, codecs, a Kafka client (the topics it uses and the dead-letter topic created when
 * missing, as the `topics` section says) and a Redis connection, for the sink `name`. The codecs
 * follow `output.format`: with confluent-avro the records Arbiter wrote are framed, and what this
 * worker writes (dead letters; the console's decisions and appeals) is registered and framed like
 * the classifier's, checked before Kafka is touched.
 */
export async function sinkParts(config: ArbiterConfig, logger: Logger, name: string, topicsUsed: readonly TopicKey[]): Promise<SinkParts> {
  // No posts are read here, so input.format is not this worker's business: only output is set up.
  const workerCodecs = await createWorkerCodecs({ ...config, input: { ...config.input, format: "avro" } }, logger);
  // The schema ids are known now; writing needs the registry no more.
  workerCodecs.close();
  const kafka = createKafka(config.kafka, `${config.kafka.clientId}-${name}`, logger);
  if (config.kafka.createTopics) {
    const wanted = new Set<TopicKey>([...topicsUsed, "dlq"]);
    await createTopics(
      kafka,
      topicSpecs(config.kafka.topics, config.topics)
        .filter((spec) => wanted.has(spec.key))
        .map(newTopic),
    );
  }
  return { config, logger, metrics: new SinkMetrics(), codecs: workerCodecs.codecs, kafka, redis: sinkRedis(config.redis, logger) };
}

/**
 * The Kafka side of a sink or the console: a stream runner per consumed topic (each record's
 * work through a {@link SinkProcessor}, in order per post), the health server, and a stop that
 * drains them in order. Its only outputs are dead letters and its side effects are idempotent through
 * Redis, so it runs without transactions.
 */
export async function startSinkRuntime(parts: SinkParts, options: SinkRuntimeOptions): Promise<SinkRuntime> {
  const { config, kafka, metrics, logger } = parts;
  let endWith: (code: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (endWith = resolve));
  const runners = options.consumers.map(
    (consumer) =>
      new StreamRunner({
        kafka,
        groupId: consumer.groupId,
        topic: consumer.topic,
        exactlyOnce: false,
        ...runnerKafkaSettings(config.kafka),
        maxInFlight: config.kafka.maxInFlight,
        // A sink's deferred work is a few HTTP calls, mostly waiting: as many run as are taken on, so a post in its backoff holds no one else.
        maxDeferredRunning: config.kafka.maxInFlight,
        processor: new SinkProcessor(consumer.handler, { codecs: parts.codecs, topics: config.kafka.topics, metrics, logger }),
        deadLetter: (record, error, stage) =>
          sinkDeadLetter({ codecs: parts.codecs, topics: config.kafka.topics, metrics, logger }, record, error, stage, null),
        // No engine queue: a sink's calls wait in its retries and rate limit instead.
        engineQueue: () => ({ depth: 0, capacity: 1 }),
        metrics,
        logger: logger.child({ topic: consumer.topic }),
        onFatal: () => endWith(1),
      }),
  );
  let http: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  try {
    http = await startHealthServer(
      config.http.host,
      config.http.port,
      { ready: () => runners.every((r) => r.ready()) && (options.ready?.() ?? true), live: () => runners.every((r) => r.live()) },
      metrics,
      config.http.metricsPort,
    );
    for (const runner of runners) await runner.start();
  } catch (error) {
    await http?.close();
    parts.redis.disconnect();
    throw error;
  }
  const server = http;
  let stopping: Promise<void> | null = null;
  return {
    httpPort: http.port,
    metricsPort: http.metricsPort,
    ended,
    stop: () =>
      (stopping ??= (async () => {
        logger.info("draining");
        await options.beforeDrain?.();
        await Promise.all(runners.map((r) => r.stop(config.shutdownTimeoutMs)));
        await options.afterDrain?.();
        await parts.redis.quit();
        await server.close();
        logger.info("stopped");
      })()),
  };
}
