import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { createKafka } from "@arbiter/shared/kafka/kafka-client.js";
import { createTopics, newTopic, topicSpecs } from "@arbiter/shared/kafka/topic-admin.js";
import { runnerKafkaSettings, StreamRunner } from "@arbiter/shared/kafka/stream-runner.js";
import { startHealthServer } from "@arbiter/shared/observability/health-server.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { WorkerMetrics } from "@arbiter/shared/observability/metrics.js";
import { LivePolicies } from "@arbiter/shared/policy-registry/live-policies.js";
import { EscalationProcessor } from "@arbiter/shared/pipeline/escalation-processor.js";
import { PolicyPrefilter } from "@arbiter/shared/pipeline/policy-prefilter.js";
import type { EnginePort } from "@arbiter/shared/pipeline/ports.js";
import { createWorkerCodecs } from "@arbiter/shared/codec/codecs.js";
import type { RecordProcessor } from "@arbiter/shared/kafka/record-processor.js";
import { deadLetter, PostProcessor } from "@arbiter/shared/pipeline/post-processor.js";
import { AuditSampler } from "@arbiter/shared/pipeline/audit-sampler.js";
import { SecondLookProcessor } from "@arbiter/shared/pipeline/second-look.js";
import { toTopicMessages } from "@arbiter/shared/kafka/partition-publisher.js";
import { ScreenPool } from "@arbiter/shared/pipeline/screen-pool.js";
import { loadEnginePort, SafeguardEnginePort } from "@arbiter/shared/pipeline/engine-port.js";
import { assertContextPlan, policyInputOf } from "@arbiter/shared/engine/context-plan.js";
import { VerdictCache } from "@arbiter/shared/pipeline/verdict-cache.js";
import { PostRecorder, PostRecords } from "@arbiter/shared/pipeline/post-records.js";
import { readPost } from "@arbiter/shared/codec/post-input.js";
import type { Post } from "@arbiter/shared/codec/records.js";
import type { InboundRecord } from "@arbiter/shared/kafka/consumed-record.js";
import { createRedis } from "@arbiter/shared/redis/redis-client.js";

export interface RunningWorker {
  readonly metrics: WorkerMetrics;
  readonly httpPort: number;
  /** Drains in-flight work, commits, disconnects; resolves when everything is closed. */
  stop(): Promise<void>;
  /** Resolves with an exit code when the worker ends on its own (a fatal consumer crash). */
  readonly ended: Promise<number>;
  /** The second look's counts (posts seen, reviewed, skipped, failed, violations found); null when it is off. */
  readonly secondLook: SecondLookProcessor["counts"] | null;
}

/** Parts a bench puts in place of the configured ones. */
export interface WorkerOverrides {
  /** Instead of loading the model named by the config. */
  engine?: EnginePort & { dispose(): Promise<void> };
  /** Wraps the role's processor. */
  processor?: (processor: RecordProcessor) => RecordProcessor;
}

/** Wires config -> policies, prefilter, engine, cache, Kafka; starts consuming. */
export async function startClassifierWorker(config: ArbiterConfig, logger: Logger, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  const log = logger.child({ role: config.role, worker: config.workerId });
  const metrics = new WorkerMetrics();
  // The registry (or, Redis down, the snapshot): the set in force now; `policies.watch` below follows its changes.
  const policies = await LivePolicies.start(config.policies, config.redis, log);
  const set = policies.current;
  const escalation = config.role === "escalation";
  // A policy that names no effort runs at the engine's defaultEffort (the role's pipeline.effort still overrides both).
  const defaultEffort = (escalation ? config.escalationEngine : config.engine).defaultEffort;
  const policyPrefilter = new PolicyPrefilter(set, { maxModelChars: config.pipeline.maxModelChars, defaultEffort });
  log.info({ policySet: set.version, policies: set.policies.map((p) => `${p.id}@${p.version}`), source: policies.status.source }, "policies loaded");

  // Before the model and Kafka: an output schema incompatible with its subject stops the worker here.
  const { codecs, outputSchemaIds, confluentInput, close: closeCodecs } = await createWorkerCodecs(config, log);
  const engine: EnginePort & { dispose(): Promise<void> } =
    overrides.engine ?? (await loadEnginePort(escalation ? config.escalationEngine : config.engine, log));
  if (engine instanceof SafeguardEnginePort) {
    // Every policy at every effort it runs at fits the context, counted by the model's own tokenizer: else stop here, naming them.
    try {
      const rows = assertContextPlan(engine.contextMeasure(), set.policies.map(policyInputOf), config, escalation ? "escalation" : "primary");
      const tightest = rows.reduce((a, b) => (b.total > a.total ? b : a), rows[0]!);
      log.info(
        { calls: rows.length, tightest: `${tightest.policies.join("+")}@${tightest.effort}: ${tightest.total} of ${tightest.contextSize} tokens` },
        "context plan fits",
      );
    } catch (error) {
      await engine.dispose();
      await policies.close();
      await closeCodecs();
      throw error;
    }
  }
  metrics.queueDepth.set(0);
  const { topics } = config.kafka;
  const kafka = createKafka(config.kafka, `${config.kafka.clientId}-${config.role}`, log);
  if (config.kafka.createTopics) {
    await createTopics(kafka, topicSpecs(topics, config.topics).map(newTopic));
  }
  const cache = !escalation && config.cache.enabled ? new VerdictCache({ ...config.redis, ...config.cache }, log) : null;
  // The second look runs beside the primary role, on its engine's idle sequences; with it on, the audit sample is its random slice.
  const secondLookOn = !escalation && config.secondLook.enabled;
  // Audit samples are outside the stream's commits (and its transactions): a lost one only widens the interval.
  const sampleProducer =
    !escalation && !secondLookOn && config.pipeline.auditSampleRate > 0 ? kafka.producer({ idempotent: true, maxInFlightRequests: 1 }) : null;
  await sampleProducer?.connect();
  const auditSampler = sampleProducer
    ? new AuditSampler({
        engine,
        pipeline: config.pipeline,
        codecs,
        topics,
        publish: async (records) => void (await sampleProducer.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 })),
        metrics,
        logger: log,
      })
    : null;
  const deps = {
    codecs,
    topics,
    input: config.input,
    confluentInput: escalation ? null : confluentInput,
    pipeline: escalation ? { ...config.pipeline, effort: config.pipeline.effort ?? "high" } : config.pipeline,
    engine,
    prefilter: policyPrefilter,
    cache,
    metrics,
    logger: log,
    auditSampler,
  } as const;
  const pool =
    !escalation && config.pipeline.screenThreads > 0
      ? await ScreenPool.start(
          config.pipeline.screenThreads,
          {
            policies: [...set.policies],
            policySetVersion: set.version,
            maxModelChars: config.pipeline.maxModelChars,
            input: config.input,
            topics,
            outputSchemaIds,
          },
          log,
          { timeoutMs: config.pipeline.screenTimeoutMs },
        )
      : null;
  // A new set reaches the main thread's prefilter first, then the screen threads: a post screened under
  // the old set and bound for the model is screened again (PostProcessor); none is dropped.
  await policies.watch(async (next) => {
    policyPrefilter.update(next);
    await pool?.update(next.policies, next.version);
  });
  // Appeals decide a post from what Arbiter kept of it: each post it acts on is recorded here.
  const recordsRedis = createRedis(
    config.redis,
    { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 2000, connectTimeout: 2000, retryStrategy: () => 2000 },
    "redis",
  );
  recordsRedis.on("error", () => undefined);
  const postRecords = new PostRecords(recordsRedis, config.redis.keyPrefix, config.pipeline.postRecordTtlDays * 86_400);
  const recorded = (processor: RecordProcessor, postOf: (record: InboundRecord) => Post) => new PostRecorder(processor, postRecords, deps, postOf);
  const roleProcessor: RecordProcessor = escalation
    ? recorded(new EscalationProcessor(deps), (record) => codecs.escalation.decode(record.value ?? Buffer.alloc(0), record.headers).post)
    : recorded(new PostProcessor(deps, pool), (record) =>
        readPost(record, config.input.format, config.input.maxRecordBytes, confluentInput?.decoder ?? codecs.post),
      );
  const processor = overrides.processor ? overrides.processor(roleProcessor) : roleProcessor;
  const secondLook = secondLookOn ? new SecondLookProcessor({ ...deps, secondLook: config.secondLook }) : null;

  let endWith: (code: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (endWith = resolve));
  const runnerFor = (groupId: string, topic: string, roleProcessor: RecordProcessor, waiting?: number) =>
    new StreamRunner({
      kafka,
      groupId,
      topic,
      exactlyOnce: config.kafka.exactlyOnce,
      ...runnerKafkaSettings(config.kafka),
      maxInFlight: waiting ?? config.kafka.maxInFlight,
      // Two per sequence in all: a call waits in the engine's queue for each one running, so no sequence idles and none waits out its
      // timeout there. The escalation role's two runners (escalations, appeals) share one engine, so each gets half. The second
      // look's posts all wait at its idle gate, which lets the oldest through first.
      maxDeferredRunning: waiting ?? Math.max(1, Math.floor((2 * engine.queue().sequences) / (escalation ? 2 : 1))),
      processor: roleProcessor,
      deadLetter: (record, error, stage) => deadLetter(deps, record, error, stage, Date.now()),
      engineQueue: () => {
        const q = engine.queue();
        metrics.queueDepth.set(q.depth);
        return q;
      },
      metrics,
      logger: log,
      onFatal: () => endWith(1),
    });
  // The escalation role serves appeals too, on the same engine: one large model per GPU.
  const runners = escalation
    ? [
        runnerFor(`${config.kafka.groupId}.escalation`, topics.escalations, processor),
        runnerFor(`${config.kafka.groupId}.appeal`, topics.appeals, new EscalationProcessor(deps, "appeals", postRecords)),
      ]
    : [
        runnerFor(config.kafka.groupId, topics.posts, processor),
        ...(secondLook
          ? [
              runnerFor(
                config.secondLook.groupId,
                topics.posts,
                // A second-look violation acts on the post: it is recorded for appeals as the primary role's are.
                recorded(secondLook, (record) => readPost(record, config.input.format, config.input.maxRecordBytes, confluentInput?.decoder ?? codecs.post)),
                config.secondLook.maxWaiting,
              ),
            ]
          : []),
      ];
  const http = await startHealthServer(
    config.http.host,
    config.http.port,
    { ready: () => runners.every((r) => r.ready()), live: () => runners.every((r) => r.live()), readyDetail: () => [policies.status.detail] },
    metrics,
    config.http.metricsPort,
  );
  for (const runner of runners) await runner.start();
  log.info(
    { http: http.port, metrics: http.metricsPort, exactlyOnce: config.kafka.exactlyOnce, model: engine.modelId, secondLook: secondLookOn },
    "worker started",
  );

  let stopping: Promise<void> | null = null;
  return {
    metrics,
    httpPort: http.port,
    ended,
    secondLook: secondLook?.counts ?? null,
    stop: () =>
      (stopping ??= (async () => {
        log.info("draining");
        await Promise.all(runners.map((runner) => runner.stop(config.shutdownTimeoutMs)));
        secondLook?.close();
        await auditSampler?.close();
        await sampleProducer?.disconnect();
        await cache?.close();
        recordsRedis.disconnect();
        await policies.close();
        await pool?.close();
        closeCodecs();
        await engine.dispose();
        await http.close();
        log.info("stopped");
      })()),
  };
}
