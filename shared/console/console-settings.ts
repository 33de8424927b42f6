import { z } from "zod";
import { nonBlank, secretSetting } from "../settings/fields.js";

export const consoleSchema = z
  .strictObject({
    groupId: nonBlank()
      .describe("Consumer group of the moderator console (it reads the tickets and audit topics into its own store).")
      .default("arbiter-console"),
    host: nonBlank().describe("Address the console's web server listens on.").default("127.0.0.1"),
    port: z.int().min(0).max(65_535).describe("Port of the console's web server (0: an ephemeral port).").default(8080),
    publicUrl: z
      .string()
      .regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, "must be an http(s) URL")
      .describe("The console's address as moderators reach it: ticket links in webhooks point there.")
      .default("http://127.0.0.1:8080"),
    sessionSecret: secretSetting("Signs session cookies: at least 32 characters; the console does not start without it."),
    moderators: secretSetting("Who may log in: one `name:scrypt-hash` per line or comma (`npm run console:password` makes a hash)."),
    sessionTtlMinutes: z.int().min(1).describe("A session ends this long after its last request.").default(720),
    secureCookies: z.boolean().describe("Mark cookies Secure (set when the console is served over HTTPS).").default(false),
    auditTtlHours: z
      .int()
      .min(1)
      .describe("How long the console keeps a model's reasoning from the audit topic (the reasoning on a ticket itself stays with the ticket).")
      .default(168),
    queueLimit: z.int().min(1).max(10_000).describe("Most open tickets the queue page reads and filters.").default(500),
  })
  .prefault({});

export type ConsoleSettings = z.output<typeof consoleSchema>;
