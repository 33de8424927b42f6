import type { Kafka } from "kafkajs";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import { StreamRunner } from "../kafka/stream-runner.js";
import { startHealthServer } from "../observability/health-server.js";
import type { Logger } from "../observability/logger.js";
import type { RecordProcessor } from "../pipeline/post-processor.js";
import type { WorkerHandle } from "../worker/worker-process.js";
import type { SinkMetrics } from "./sink-metrics.js";

/** A topic a sink consumes, in a consumer group of its own, and what processes it. */
export interface ConsumedTopic {
  groupId: string;
  topic: string;
  processor: RecordProcessor;
}

export interface SinkRuntime extends WorkerHandle {
  /** Port of /healthz, /readyz, /metrics. */
  readonly httpPort: number;
}

export interface SinkRuntimeOptions {
  config: ArbiterConfig;
  kafka: Kafka;
  metrics: SinkMetrics;
  logger: Logger;
  consumers: readonly ConsumedTopic[];
  /** Ready besides the consumers (e.g. the console's web server listening). */
  ready?: () => boolean;
  /** Runs before the consumers drain (stop taking new work from elsewhere). */
  beforeDrain?: () => Promise<void>;
  /** Runs after they stopped (close connections). */
  afterDrain?: () => Promise<void>;
}

/**
 * The Kafka side of a sink or the console: a stream runner per consumed topic, the health
 * server, and a stop that drains them in order. Its only outputs are dead letters and its
 * side effects are idempotent through Redis, so it runs without transactions.
 */
export async function startSinkRuntime(options: SinkRuntimeOptions): Promise<SinkRuntime> {
  const { config, kafka, metrics, logger } = options;
  let endWith: (code: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (endWith = resolve));
  const runners = options.consumers.map(
    (consumer) =>
      new StreamRunner({
        kafka,
        groupId: consumer.groupId,
        topic: consumer.topic,
        exactlyOnce: false,
        transactionalId: `${config.kafka.transactionalIdPrefix}-${consumer.groupId}-${config.workerId}`,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        rebalanceTimeoutMs: config.kafka.rebalanceTimeoutMs,
        heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
        partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
        maxRecordsPerCommit: config.kafka.maxRecordsPerCommit,
        processor: consumer.processor,
        // No engine queue: a sink's calls wait in its retries and rate limit instead.
        engineQueue: () => ({ depth: 0, capacity: 1 }),
        metrics,
        logger: logger.child({ topic: consumer.topic }),
        onFatal: () => endWith(1),
      }),
  );
  const http = await startHealthServer(
    config.http.host,
    config.http.port,
    { ready: () => runners.every((r) => r.ready()) && (options.ready?.() ?? true), live: () => runners.every((r) => r.live()) },
    metrics,
  );
  try {
    for (const runner of runners) await runner.start();
  } catch (error) {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    throw error;
  }
  let stopping: Promise<void> | null = null;
  return {
    httpPort: http.port,
    ended,
    stop: () =>
      (stopping ??= (async () => {
        logger.info("draining");
        await options.beforeDrain?.();
        await Promise.all(runners.map((r) => r.stop(config.shutdownTimeoutMs)));
        await options.afterDrain?.();
        await new Promise<void>((resolve) => http.server.close(() => resolve()));
        logger.info("stopped");
      })()),
  };
}
