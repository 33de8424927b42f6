import type { Kafka } from "kafkajs";
import type { Decision } from "../codec/records.js";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { runnerKafkaSettings, StreamRunner } from "../kafka/stream-runner.js";
import type { Logger } from "../observability/logger.js";
import { WorkerMetrics } from "../observability/metrics.js";
import type { PolicySet } from "../policy/policy-set.js";
import { createWorkerCodecs } from "../codec/codecs.js";
import { PolicyPrefilter, PostProcessor, VerdictCache, loadEnginePort, type EnginePort, type PrefilterPort } from "../pipeline/index.js";
import { BoundedEngine } from "./bounded-engine.js";
import { ForumScopedPrefilter, ReplayProcessor, type ReplayScope } from "./replay-processor.js";

/** An engine a run owns (and disposes of), or one it is lent. */
export type RunEngine = EnginePort & { dispose?(): Promise<void> };

/** The configured engine with `sequences` cut to the run's share (`modelPath` over the configured one when given). */
export async function loadRunEngine(config: ArbiterConfig, maxModelCalls: number, modelPath: string | null, logger: Logger): Promise<RunEngine> {
  const settings = {
    ...config.engine,
    sequences: Math.min(config.engine.sequences, maxModelCalls),
    ...(modelPath ? { modelPath: resolveFromRoot(modelPath) } : {}),
  };
  return loadEnginePort(settings, logger);
}

export interface CandidateRun {
  readonly runner: StreamRunner;
  readonly metrics: WorkerMetrics;
  /** Drains, commits what is finished and closes what the run opened (not a lent engine). */
  stop(): Promise<void>;
}

/**
 * The worker's pipeline (prefilter, verdict cache, model, decide) under a candidate policy set,
 * consuming the posts topic in a consumer group of its own, exactly once (each input
 * partition's decisions and its offsets commit in one transaction), with at most
 * `maxModelCalls` model calls at once.
 */
export async function startCandidateRun(options: {
  config: ArbiterConfig;
  kafka: Kafka;
  set: PolicySet;
  scope: ReplayScope;
  groupId: string;
  engine: RunEngine;
  ownsEngine: boolean;
  maxModelCalls: number;
  logger: Logger;
  onDecision?: (decision: Decision) => void;
  /** kafkajs gave up (a non-retriable crash): the run cannot go on. */
  onFatal?: (error: Error) => void;
}): Promise<CandidateRun> {
  const { config, logger: log } = options;
  const metrics = new WorkerMetrics();
  const { codecs, confluentInput, close: closeCodecs } = await createWorkerCodecs(config, log);
  const policyPrefilter = new PolicyPrefilter(options.set, { maxModelChars: config.pipeline.maxModelChars, defaultEffort: config.engine.defaultEffort });
  const prefilter: PrefilterPort = options.scope.forumId === null ? policyPrefilter : new ForumScopedPrefilter(policyPrefilter, options.scope.forumId);
  const engine = new BoundedEngine(options.engine, options.maxModelCalls);
  const cache = config.cache.enabled ? new VerdictCache({ ...config.redis, ...config.cache }, log) : null;
  const topics = config.kafka.topics;
  const inner = new PostProcessor({
    codecs,
    topics,
    input: config.input,
    confluentInput,
    pipeline: config.pipeline,
    engine,
    prefilter,
    cache,
    metrics,
    logger: log,
  });
  const runner = new StreamRunner({
    kafka: options.kafka,
    groupId: options.groupId,
    topic: topics.posts,
    exactlyOnce: true,
    ...runnerKafkaSettings(config.kafka),
    maxInFlight: Math.max(4, 4 * options.maxModelCalls),
    maxDeferredRunning: options.maxModelCalls,
    processor: new ReplayProcessor(inner, options.scope, codecs, topics, options.onDecision),
    // A replay writes no dead letters (ReplayProcessor drops the pipeline's too).
    deadLetter: () => null,
    engineQueue: () => engine.queue(),
    metrics,
    logger: log,
    onFatal: (error) => {
      log.error({ err: error.message }, "replay consumer crashed");
      options.onFatal?.(error);
    },
  });
  await runner.start();
  return {
    runner,
    metrics,
    stop: async () => {
      await runner.stop(config.shutdownTimeoutMs);
      await cache?.close();
      closeCodecs();
      if (options.ownsEngine) await options.engine.dispose?.();
    },
  };
}
