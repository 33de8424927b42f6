import type { Redis } from "ioredis";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { createPostWriter } from "@arbiter/shared/codec/post-writer.js";
import { RedisCursorStore } from "@arbiter/shared/ingest/cursor-store.js";
import { IngestGateway, type GatewaySource } from "@arbiter/shared/ingest/ingest-gateway.js";
import { IngestMetrics } from "@arbiter/shared/ingest/ingest-metrics.js";
import { IngestProducer } from "@arbiter/shared/ingest/ingest-producer.js";
import type { IngestSettings } from "@arbiter/shared/ingest/ingest-settings.js";
import { lemmyListings } from "@arbiter/shared/ingest/lemmy-listing.js";
import { ListingPoller, PollerLoop } from "@arbiter/shared/ingest/listing-poller.js";
import { redditListings } from "@arbiter/shared/ingest/reddit-listing.js";
import { createKafka } from "@arbiter/shared/kafka/kafka-client.js";
import { createTopics, newTopic, topicSpecs } from "@arbiter/shared/kafka/topic-admin.js";
import { startHealthServer } from "@arbiter/shared/observability/health-server.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { resolveSecret } from "@arbiter/shared/settings/transport-security.js";
import { sinkRedis } from "@arbiter/shared/sinks/sink-redis.js";
import type { WorkerHandle } from "@arbiter/shared/worker/worker-process.js";

export interface RunningIngest extends WorkerHandle {
  /** Port of the webhook server (its actual port when `ingest.port` is 0). */
  readonly port: number;
  /** Port of /healthz, /readyz and /metrics. */
  readonly httpPort: number;
  readonly metrics: IngestMetrics;
}

/** Every source with its secret read: a source without one would take unsigned posts, so the start stops. */
function gatewaySources(settings: IngestSettings): GatewaySource[] {
  return Object.entries(settings.sources).map(([name, source]) => {
    const field = `ingest.sources.${name}.secret`;
    if (source.secret === undefined) throw new ConfigError(field, "must be set: the gateway takes only signed requests");
    return { name, kind: source.kind, forumId: source.forumId, secret: resolveSecret(source.secret, field), rateLimit: source.rateLimit };
  });
}

/**
 * Wires config → the webhook server, the idempotent producer, the pollers (with their cursors in
 * Redis, connected only when a poller is set), the health server; starts. Kafka is not needed to
 * start: until it answers, webhooks get 503 with Retry-After.
 */
export async function startIngestWorker(config: ArbiterConfig, logger: Logger): Promise<RunningIngest> {
  const log = logger.child({ worker: "ingest", workerId: config.workerId });
  const settings = config.ingest;
  const sources = gatewaySources(settings);
  const pollers = Object.entries(settings.pollers);
  if (sources.length === 0 && pollers.length === 0) log.warn("ingest: no sources and no pollers are set; nothing will come in");
  const { topics } = config.kafka;
  const kafka = createKafka(config.kafka, `${config.kafka.clientId}-ingest`, log);
  if (config.kafka.createTopics) {
    const posts = topicSpecs(topics, config.topics).find((spec) => spec.key === "posts")!;
    // The events topic has the posts topic's settings; a broker that does not answer leaves creation to the first produce's 503s.
    await createTopics(kafka, [newTopic(posts), newTopic({ ...posts, name: settings.eventsTopic })]).catch((error: Error) =>
      log.warn({ err: error.message }, "ingest: could not create the topics; webhooks get 503 until Kafka answers"),
    );
  }
  const writer = await createPostWriter(config, topics.posts);
  const producer = new IngestProducer(
    kafka,
    config.kafka.brokers,
    writer,
    { posts: topics.posts, events: settings.eventsTopic },
    settings.produceTimeoutMs,
    log,
  );
  const metrics = new IngestMetrics();
  const gateway = new IngestGateway({
    sources,
    sink: producer,
    maxBodyBytes: settings.maxBodyBytes,
    retryAfterSeconds: settings.retryAfterSeconds,
    metrics,
    logger: log,
  });
  let redis: Redis | undefined;
  const loops: PollerLoop[] = [];
  let web: Awaited<ReturnType<IngestGateway["listen"]>> | undefined;
  let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  try {
    if (pollers.length > 0) {
      redis = sinkRedis(config.redis, log);
      const cursors = new RedisCursorStore(redis, `${config.redis.keyPrefix}${settings.cursorPrefix}`);
      for (const [name, p] of pollers) {
        const options = {
          baseUrl: p.baseUrl,
          community: p.community,
          forumId: p.forumId,
          pollerName: name,
          pageSize: p.pageSize,
          token: p.token === undefined ? null : resolveSecret(p.token, `ingest.pollers.${name}.token`),
          userAgent: p.userAgent,
          timeoutMs: p.timeoutMs,
        };
        const listings = p.kind === "reddit" ? redditListings(options) : lemmyListings(options);
        const poller = new ListingPoller(name, listings, { sink: producer, cursors, metrics, logger: log, maxPages: p.maxPages });
        loops.push(new PollerLoop(poller, p.intervalSeconds * 1000));
      }
    }
    web = await gateway.listen(settings.host, settings.port);
    const server = web.server;
    health = await startHealthServer(config.http.host, config.http.port, { ready: () => server.listening, live: () => true }, metrics, config.http.metricsPort);
    for (const loop of loops) loop.start();
  } catch (error) {
    await web?.close();
    await health?.close();
    redis?.disconnect();
    writer.close();
    throw error;
  }
  const [webServer, healthServer] = [web, health];
  log.info({ port: webServer.port, http: healthServer.port, sources: sources.map((s) => s.name), pollers: pollers.map(([n]) => n) }, "ingest gateway started");
  let stopping: Promise<void> | null = null;
  return {
    port: webServer.port,
    httpPort: healthServer.port,
    metrics,
    // The gateway runs until stopped: nothing in it ends the process on its own.
    ended: new Promise<number>(() => undefined),
    stop: () =>
      (stopping ??= (async () => {
        log.info("draining");
        await webServer.close();
        await Promise.all(loops.map((loop) => loop.stop()));
        await producer.close();
        writer.close();
        await redis?.quit();
        await healthServer.close();
        log.info("stopped");
      })()),
  };
}
