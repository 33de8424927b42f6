import { z } from "zod";
import { discourseForumSchema } from "./discourse-settings.js";
import { httpForumSchema } from "./http-settings.js";
import { lemmyForumSchema } from "./lemmy-settings.js";
import { nodebbForumSchema } from "./nodebb-settings.js";
import { redditForumSchema } from "./reddit-settings.js";
import { discordForumSchema } from "./discord-settings.js";

/** One forum's platform and credentials; a platform is one member (its `<platform>-settings.ts`). */
export const forumPlatformSchema = z.discriminatedUnion("platform", [
  discourseForumSchema,
  lemmyForumSchema,
  nodebbForumSchema,
  redditForumSchema,
  discordForumSchema,
  httpForumSchema,
]);

export const forumsSchema = z
  .record(z.string().regex(/\S/, "must not be empty"), forumPlatformSchema)
  .describe(
    "Forum id → its platform (`discourse`, `lemmy`, `nodebb`, `reddit`, `discord`, `http`) and credentials; a forum not listed is driven through the URL templates of `forum` (docs/platforms/).",
  )
  .default({});

export type ForumPlatformSettings = z.output<typeof forumPlatformSchema>;
