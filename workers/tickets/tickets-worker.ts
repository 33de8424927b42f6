import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import type { Logger } from "@arbiter/shared/observability/logger.js";
import { HttpEndpoint } from "@arbiter/shared/sinks/http-endpoint.js";
import { RetryPolicy } from "@arbiter/shared/retry/retry-policy.js";
import { RetryingEndpoint } from "@arbiter/shared/sinks/retrying-endpoint.js";
import { sinkParts, startSinkRuntime, type SinkRuntime } from "@arbiter/shared/sinks/sink-runtime.js";
import { TicketDeliveryLog } from "@arbiter/shared/sinks/tickets/ticket-delivery-log.js";
import { TicketHandler } from "@arbiter/shared/sinks/tickets/ticket-handler.js";

/** Wires config → webhook and/or Redis stream, delivery log, tickets consumer; starts consuming. */
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
  const handler = new TicketHandler({
    codecs: parts.codecs,
    topics,
    settings,
    consoleUrl: config.console.publicUrl,
    webhook: settings.webhook.url === "" ? null : new RetryingEndpoint(new HttpEndpoint(settings.webhook, "tickets.webhook.token"), retry, parts.metrics, log),
    log: new TicketDeliveryLog(parts.redis, config.redis.keyPrefix, settings.dedupeTtlDays * 86_400),
    retry,
    metrics: parts.metrics,
    logger: log,
  });
  const runtime = await startSinkRuntime(parts, { consumers: [{ groupId: settings.groupId, topic: topics.tickets, handler }] });
  log.info({ http: runtime.httpPort, webhook: settings.webhook.url !== "", stream: settings.stream || null }, "ticket sink started");
  return runtime;
}
