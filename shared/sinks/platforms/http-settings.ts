import { z } from "zod";

/** A forum driven through the URL templates of `autoHide.forum` (what a forum not listed in `autoHide.forums` gets). */
export const httpForumSchema = z.strictObject({
  platform: z.literal("http"),
});

export type HttpForumSettings = z.output<typeof httpForumSchema>;
