import { z } from "zod";
import { secretSchema } from "../../settings/fields.js";

// Discord ids are snowflakes: unsigned 64-bit integers, sent as strings (discord-api-docs, Reference "Snowflakes").
const snowflake = (what: string) =>
  z
    .string()
    .regex(/^[0-9]{1,20}$/, "must be a Discord id (a snowflake: digits)")
    .describe(what);

/**
 * One Discord server (guild) the auto-hide sink acts in through a bot. A delete cannot be undone
 * there, so a model's HIDE becomes a message to the moderators' channel and only a moderator's
 * HIDE deletes (docs/platforms/discord.md).
 */
export const discordForumSchema = z.strictObject({
  platform: z.literal("discord"),
  botToken: secretSchema.describe(
    "The bot's token, sent as `Authorization: Bot …`. `{env: VARIABLE}` or `{file: path}` (a mounted Secret); a plain string only for local tests.",
  ),
  guildId: snowflake("The server (guild) id: links in the moderators' channel point into it."),
  moderatorChannelId: snowflake("The moderators' channel: tickets for a model's HIDE, pages and undo notices are posted there."),
  pagerRoleId: snowflake("A role mentioned by a page (the on-call counsellors); unset: pages mention no one.").optional(),
  bannerText: z
    .string()
    .min(1)
    .max(2000)
    .describe("Text of the reply the bot posts under a message as its banner (Discord allows 2000 characters).")
    .default("If you are struggling, support is available. Please reach out to the moderators or a local crisis line."),
  userAgent: z
    .string()
    .regex(/^DiscordBot \(\S+, \S+\)/, "must start `DiscordBot ($url, $versionNumber)`, as Discord asks")
    .describe("User-Agent of every call: `DiscordBot ($url, $versionNumber)`, with your deployment's URL.")
    .default("DiscordBot (https://github.com/arbiter, 0.1.0)"),
  apiUrl: z.url().describe("Discord's HTTP API with its version (a test points it at a fake).").default("https://discord.com/api/v10"),
  timeoutMs: z.int().min(1).describe("Deadline of one call to Discord; a call past it is retried.").default(10_000),
});

export type DiscordForumSettings = z.output<typeof discordForumSchema>;
