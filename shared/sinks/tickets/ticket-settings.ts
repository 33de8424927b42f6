import { z } from "zod";
import { retrySchema } from "../../retry/retry-settings.js";
import { nonBlank } from "../../settings/fields.js";
import { endpointFields, httpMethod } from "../sink-settings.js";

export const ticketsSchema = z
  .strictObject({
    groupId: nonBlank().describe("Consumer group of the ticket sink (it reads the tickets topic).").default("arbiter-tickets"),
    webhook: z
      .strictObject({
        url: z.string().describe("The ticket system's webhook: each ticket is POSTed there as JSON (empty: no webhook).").default(""),
        method: httpMethod.describe("HTTP method of the webhook.").default("POST"),
        ...endpointFields("the ticket webhook"),
      })
      .prefault({}),
    stream: z
      .string()
      .describe("Redis stream (under `redis.keyPrefix`) each ticket is added to as JSON (empty: none). The webhook, the stream or both.")
      .default("tickets"),
    platformQueues: z
      .boolean()
      .describe(
        "A ticket about a post of a forum in `autoHide.forums` whose platform has a review queue also goes into that queue (Discourse flag, Lemmy or Reddit report, NodeBB flag, Discord moderators' channel), with the forum's credentials; the webhook and the stream still get every ticket (docs/platforms/).",
      )
      .default(true),
    retry: retrySchema,
    dedupeTtlDays: z.int().min(1).describe("How long a delivered ticket is remembered, so a post gets one ticket per policy version.").default(30),
  })
  .prefault({});

export type TicketSinkSettings = z.output<typeof ticketsSchema>;
