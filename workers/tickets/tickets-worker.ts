import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { HttpEndpoint } from "@arbiter/shared/sinks/http-endpoint.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { RetryingEndpoint } from "@arbiter/shared/sinks/retrying-endpoint.js";
import { sinkParts, startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { TicketDeliveryLog } from "@arbiter/shared/sinks/tickets/ticket-delivery-log.js";
import { TicketHandler } from "@arbiter/shared/sinks/tickets/ticket-handler.js";
import { createForumAdapters } from "@arbiter/shared/sinks/platforms/adapters.js";
import type { PlatformAdapter } from "@arbiter/shared/sinks/platforms/platform-adapter.js";
import { ForumRateLimiter, forumRates } from "@arbiter/shared/sinks/auto-hide/forum-rate-limiter.js";
import type { SinkMetrics } from "@arbiter/shared/sinks/sink-metrics.js";

/**
 * The review queues of the forums of `autoHide.forums` whose platform has one (every platform but
 * `http`), with the same settings and credentials as the auto-hide sink and the forum's rate limit
 * (`autoHide.rateLimit`, in this process); the calls are retried under `tickets.retry`.
 */
function platformQueues(config: ArbiterConfig, retry: RetryPolicy, metrics: SinkMetrics, logger: Logger): Map<string, PlatformAdapter> {
  if (!config.tickets.platformQueues) return new Map();
  const { autoHide } = config;
  const forums = Object.fromEntries(Object.entries(autoHide.forums).filter(([, forum]) => forum.platform !== "http"));
  const limiter = new ForumRateLimiter(forumRates(autoHide));
  return createForumAdapters(forums, (setting) => ({ setting, forum: autoHide.forum, limiter, retry, metrics, logger }));
}

/** Wires config → webhook, platform review queues and/or Redis stream, delivery log, tickets consumer; starts consuming. */
export async function startTicketsWorker(config: ArbiterConfig, logger: Logger): Promise<SinkRuntime> {
  const log = logger.child({ worker: "tickets", workerId: config.workerId });
  const settings = config.tickets;
  if (settings.webhook.url === "" && settings.stream === "")
    throw new ConfigError("tickets.webhook.url", "set it, or tickets.stream, or both: the ticket sink has nowhere to send tickets");
  if (settings.webhook.url !== "" && !URL.canParse(settings.webhook.url))
    throw new ConfigError("tickets.webhook.url", `${JSON.stringify(settings.webhook.url)} is not a URL`);
  const { topics } = config.kafka;
  const parts = await sinkParts(config, log, "tickets", ["tickets"]);
  const retry = new RetryPolicy(settings.retry);
  const queues = platformQueues(config, retry, parts.metrics, log);
  const handler = new TicketHandler({
    codecs: parts.codecs,
    topics,
    settings,
    consoleUrl: config.console.publicUrl,
    webhook: settings.webhook.url === "" ? null : new RetryingEndpoint(new HttpEndpoint(settings.webhook, "tickets.webhook.token"), retry, parts.metrics, log),
    queues,
    log: new TicketDeliveryLog(parts.redis, config.redis.keyPrefix, settings.dedupeTtlDays * 86_400),
    retry,
    metrics: parts.metrics,
    logger: log,
  });
  const runtime = await startSinkRuntime(parts, { consumers: [{ groupId: settings.groupId, topic: topics.tickets, handler }] });
  log.info(
    { http: runtime.httpPort, webhook: settings.webhook.url !== "", stream: settings.stream || null, platformQueues: [...queues.keys()] },
    "ticket sink started",
  );
  return runtime;
}
