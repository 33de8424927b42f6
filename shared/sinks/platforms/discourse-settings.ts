import { z } from "zod";
import { nonBlank, secretSchema } from "../../settings/fields.js";

/** A Discourse forum (`autoHide.forums.<id>.platform: discourse`): docs/platforms/discourse.md. */
export const discourseForumSchema = z.strictObject({
  platform: z.literal("discourse"),
  baseUrl: z.url().describe("The forum's address, e.g. `https://forum.example.org` (its API is under it)."),
  apiKey: secretSchema.describe(
    "An API key bound to `apiUsername` (sent as `Api-Key`): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests.",
  ),
  apiUsername: nonBlank().describe("The moderator account the key acts as (sent as `Api-Username`); its flags and notices carry this name."),
  flagTypeId: z.int().min(1).describe("`post_action_type_id` of the staff flag that hides a post (Discourse's `inappropriate` is 4; `spam` 8).").default(4),
  notice: z
    .string()
    .describe(
      "Markdown of the staff notice a BANNER puts on the post (`PUT /posts/{id}/notice`), e.g. the crisis line; empty: BANNER decisions are dead-lettered.",
    )
    .default(""),
  perSecond: z
    .number()
    .positive()
    .describe("Calls per second to this forum, per worker process (Discourse's admin API allows 60 a minute by default).")
    .default(1),
  timeoutMs: z.int().min(1).describe("Deadline of one call; a call past it is retried.").default(5000),
});

export type DiscourseForumSettings = z.output<typeof discourseForumSchema>;
