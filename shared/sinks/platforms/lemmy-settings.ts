import { z } from "zod";
import { secretSchema } from "../../settings/fields.js";

/** A Lemmy 0.19 instance (`autoHide.forums.<id>.platform: lemmy`): docs/platforms/lemmy.md. */
export const lemmyForumSchema = z.strictObject({
  platform: z.literal("lemmy"),
  baseUrl: z.url().describe("The instance's address, e.g. `https://lemmy.example.org` (its API is `/api/v3`)."),
  jwt: secretSchema.describe(
    "The moderator account's login token (sent as `Authorization: Bearer …`): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests.",
  ),
  reason: z
    .string()
    .max(1000)
    .describe("The removal reason shown in the modlog (no post text, no policy rationale).")
    .default("Removed by Arbiter pending review"),
  notice: z
    .string()
    .describe("Text of the private message a BANNER sends the post's author, e.g. the crisis line; empty: BANNER decisions are dead-lettered.")
    .default(""),
  perSecond: z.number().positive().describe("Calls per second to this instance, per worker process.").default(2),
  timeoutMs: z.int().min(1).describe("Deadline of one call; a call past it is retried.").default(5000),
});

export type LemmyForumSettings = z.output<typeof lemmyForumSchema>;
