import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/config/config-error.js";
import { createKafka, ensureTopics } from "@arbiter/shared/kafka/kafka-client.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { createCodecs } from "@arbiter/shared/pipeline/codecs.js";
import { HttpEndpoint } from "@arbiter/shared/sinks/http-endpoint.js";
import { KeyOrderedProcessor } from "@arbiter/shared/sinks/key-ordered-processor.js";
import { RetryPolicy } from "@arbiter/shared/sinks/retry-policy.js";
import { RetryingEndpoint } from "@arbiter/shared/sinks/retrying-endpoint.js";
import { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";
import { sinkRedis } from "@arbiter/shared/sinks/sink-redis.js";
import { startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { TicketDeliveryLog } from "@arbiter/shared/tickets/ticket-delivery-log.js";
import { TicketHandler } from "@arbiter/shared/tickets/ticket-handler.js";

/** Wires config → webhook and/or Redis stream, delivery log, tickets consumer; starts consuming. */
export async function startTicketsWorker(config: ArbiterConfig, logger: Logger): Promise<SinkRuntime> {
  const log = logger.child({ worker: "tickets", workerId: config.workerId });
  const settings = config.tickets;
  if (settings.webhook.url === "" && settings.stream === "") throw new ConfigError("tickets.webhook.url", "set it, or tickets.stream, or both: the ticket sink has nowhere to send tickets");
  if (settings.webhook.url !== "" && !URL.canParse(settings.webhook.url)) throw new ConfigError("tickets.webhook.url", `${JSON.stringify(settings.webhook.url)} is not a URL`);
  const metrics = new SinkMetrics();
  const codecs = createCodecs();
  const { topics } = config.kafka;
  const kafka = createKafka(config.kafka, `${config.kafka.clientId}-tickets`, log);
  if (config.kafka.createTopics) await ensureTopics(kafka, [topics.tickets, topics.dlq], config.kafka.topicPartitions);
  const redis = sinkRedis(config.cache.url, log);
  const retry = new RetryPolicy(settings.retry);
  const handler = new TicketHandler({
    codecs,
    topics,
    settings,
    consoleUrl: config.console.publicUrl,
    webhook: settings.webhook.url === "" ? null : new RetryingEndpoint(new HttpEndpoint(settings.webhook), retry, metrics, log),
    log: new TicketDeliveryLog(redis, config.cache.keyPrefix, settings.dedupeTtlDays * 86_400),
    retry,
    metrics,
    logger: log,
  });
  try {
    const runtime = await startSinkRuntime({
      config,
      kafka,
      metrics,
      logger: log,
      consumers: [{ groupId: settings.groupId, topic: topics.tickets, processor: new KeyOrderedProcessor(handler, { codecs, topics, metrics, logger: log }) }],
      afterDrain: async () => void (await redis.quit()),
    });
    log.info({ http: runtime.httpPort, webhook: settings.webhook.url !== "", stream: settings.stream || null }, "ticket sink started");
    return runtime;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
