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
    moderators: secretSetting(
      "Who may log in, and where they act: one `name:scrypt-hash:admin` (every forum) or `name:scrypt-hash:moderator:forumA|forumB` per line or comma (`npm run console:password` makes one).",
    ),
    sessionTtlMinutes: z.int().min(1).describe("A session ends this long after its last request.").default(720),
    sessionMaxHours: z.int().min(1).describe("A session ends this long after its login, however busy (a new login is needed).").default(12),
    secureCookies: z
      .boolean()
      .optional()
      .describe("Mark cookies Secure (unset: Secure exactly when `publicUrl` is https; set false only to test HTTPS behind a plain-HTTP hop)."),
    loginThrottle: z
      .strictObject({
        perName: z.int().min(1).describe("Login attempts per name within the window, after which that name must wait.").default(10),
        perAddress: z.int().min(1).describe("Login attempts per client address within the window (any names).").default(30),
        windowSeconds: z.int().min(1).describe("The window the attempts are counted in, from the first.").default(900),
      })
      .describe("How failed password guesses are slowed down: counted atomically in Redis, per name and per client address.")
      .prefault({}),
    retentionDays: z
      .int()
      .min(1)
      .describe("How long the console keeps a ticket, its closing and its post's ticket list in Redis (a ticket still open after this leaves the queue).")
      .default(30),
    logMaxEntries: z
      .int()
      .min(1000)
      .describe("Most entries of the moderator log stream (`console:log`), trimmed (approximately) as it grows; the oldest go first.")
      .default(1_000_000),
    auditTtlHours: z
      .int()
      .min(1)
      .describe("How long the console keeps a model's reasoning from the audit topic (the reasoning on a ticket itself stays with the ticket).")
      .default(168),
    queueLimit: z.int().min(1).max(10_000).describe("Most open tickets the queue page reads and filters.").default(500),
  })
  .prefault({});

export type ConsoleSettings = z.output<typeof consoleSchema>;
