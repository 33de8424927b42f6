import type { Ticket } from "../../codec/records.js";
import type { TicketSinkSettings } from "./ticket-settings.js";
import type { TopicNames } from "../../kafka/kafka-settings.js";
import type { Logger } from "../../observability/logger.js";
import type { InboundRecord, OutboundRecord } from "../../kafka/consumed-record.js";
import type { Codecs } from "../../codec/codecs.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { isRetriable } from "../../errors/arbiter-error.js";
import type { RetryingEndpoint } from "../retrying-endpoint.js";
import type { RecordResult } from "../../kafka/record-processor.js";
import type { RecordHandler } from "../sink-processor.js";
import type { RetryPolicy } from "../../retry/retry-policy.js";
import { decodeOrDeadLetter, sinkDeadLetter } from "../sink-dead-letter.js";
import { checkIds } from "../record-ids.js";
import type { SinkMetrics } from "../sink-metrics.js";
import type { TicketChannel, TicketDeliveryLog } from "./ticket-delivery-log.js";
import { ticketIdentity } from "./ticket-identity.js";
import { ticketPayload } from "./ticket-payload.js";
import type { PlatformAdapter } from "../platforms/platform-adapter.js";
import { reviewTicket } from "./review-ticket.js";

export interface TicketSinkDeps {
  codecs: Codecs;
  topics: TopicNames;
  settings: TicketSinkSettings;
  consoleUrl: string;
  /** null: no webhook configured. */
  webhook: RetryingEndpoint | null;
  /**
   * Forum id → the platform adapter whose review queue gets the tickets about the forum's posts
   * (`tickets.platformQueues`, the forums of `autoHide.forums`); a forum not here, or whose
   * platform has no queue (`http`), gets none. Unset: no platform queues.
   */
  queues?: ReadonlyMap<string, PlatformAdapter>;
  log: TicketDeliveryLog;
  retry: RetryPolicy;
  metrics: SinkMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * The ticket sink's per-ticket logic: each configured channel (webhook, the post's platform review
 * queue, Redis stream) gets the ticket once per post and policy version. A webhook or platform
 * that refuses it for good (a 4xx, a platform's refusal) sends the ticket to the dead-letter topic
 * with the response; a retriable failure (5xx, 429, no answer) that outlasts the retries fails
 * the record, which is tried again (channels already delivered are not sent again).
 */
export class TicketHandler implements RecordHandler {
  private readonly now: () => number;

  constructor(private readonly deps: TicketSinkDeps) {
    this.now = deps.now ?? Date.now;
  }

  handle(record: InboundRecord): RecordResult {
    this.deps.metrics.consumed.inc({ topic: "tickets" });
    const decoded = decodeOrDeadLetter(this.deps, "ticket", record);
    if ("deadLetter" in decoded) return { kind: "ready", outputs: [decoded.deadLetter] };
    const ticket = decoded.value;
    try {
      checkIds([
        ["ticketId", ticket.ticketId],
        ["post.id", ticket.post.id],
        ["post.forumId", ticket.post.forumId],
        // v1 tickets carry no decision id.
        ["decisionId", ticket.decisionId, true],
      ]);
    } catch (error) {
      return { kind: "ready", outputs: [sinkDeadLetter(this.deps, record, error as Error, "validate", null, this.now())] };
    }
    return { kind: "deferred", run: (signal) => this.deliver(record, ticket, signal) };
  }

  private async deliver(record: InboundRecord, ticket: Ticket, signal: AbortSignal): Promise<OutboundRecord[]> {
    const { deps } = this;
    const outputs: OutboundRecord[] = [];
    // A channel that refused the ticket is remembered once every channel is done: were a later one
    // to fail (and the record be tried again), the refusal's dead letter is written again, not lost.
    const refused: TicketChannel[] = [];
    const once = async (channel: TicketChannel, send: () => Promise<unknown>) => {
      if (await deps.retry.run(() => deps.log.delivered(ticket, channel), signal)) {
        deps.metrics.skipped.inc({ reason: "duplicate" });
        return;
      }
      try {
        await send();
        deps.metrics.delivered.inc({ channel });
        await deps.retry.run(() => deps.log.remember(ticket, channel), signal);
      } catch (error) {
        if (signal.aborted || isRetriable(error)) throw error;
        outputs.push(sinkDeadLetter(deps, record, error as Error, "deliver", HttpCallError.exchangeOf(error), this.now()));
        refused.push(channel);
      }
    };
    const payload = ticketPayload(ticket, deps.consoleUrl);
    const { webhook } = deps;
    if (webhook) {
      const request = { method: deps.settings.webhook.method, url: deps.settings.webhook.url, body: payload, idempotencyKey: ticketIdentity(ticket) };
      await once("webhook", () => webhook.call("ticket-webhook", request, signal, { ticketId: ticket.ticketId, postId: ticket.post.id }));
    }
    const queue = deps.queues?.get(ticket.post.forumId);
    const report = queue?.report?.bind(queue);
    if (queue && report) {
      await once("platform", async () => {
        await report(reviewTicket(ticket, deps.consoleUrl), signal);
        deps.logger.info(
          { ticketId: ticket.ticketId, postId: ticket.post.id, forumId: ticket.post.forumId, platform: queue.platform },
          "ticket in the platform's review queue",
        );
      });
    }
    for (const channel of refused) await deps.retry.run(() => deps.log.remember(ticket, channel), signal);
    if (deps.settings.stream !== "") {
      const added = await deps.retry.run(() => deps.log.addToStream(ticket, deps.settings.stream, JSON.stringify(payload)), signal);
      if (added) deps.metrics.delivered.inc({ channel: "stream" });
      else deps.metrics.skipped.inc({ reason: "duplicate" });
    }
    deps.logger.info({ ticketId: ticket.ticketId, postId: ticket.post.id, deadLettered: outputs.length > 0 }, "ticket handled");
    return outputs;
  }
}
