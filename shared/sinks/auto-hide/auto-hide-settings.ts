import { z } from "zod";
import { retrySchema } from "../../retry/retry-settings.js";
import { nonBlank } from "../../settings/fields.js";
import { endpointFields, httpCallFields, httpCallSchema } from "../sink-settings.js";
import { forumsSchema } from "../platforms/platform-settings.js";

export const autoHideSchema = z
  .strictObject({
    groupId: nonBlank().describe("Consumer group of the auto-hide sink (it reads the decisions topic).").default("arbiter-auto-hide"),
    forum: z
      .strictObject({
        hide: httpCallSchema("the forum's hide call"),
        unhide: httpCallSchema("the forum's unhide call"),
        banner: httpCallSchema("the forum's call that shows a crisis-line banner under a post"),
        unbanner: httpCallSchema("the forum's call that removes the banner"),
        ...endpointFields("the forum API"),
      })
      .prefault({}),
    forums: forumsSchema,
    pager: z
      .strictObject({
        ...httpCallFields("the on-call counsellor's pager webhook"),
        ...endpointFields("the pager webhook"),
        rateLimit: z
          .strictObject({
            perPost: z.int().min(0).describe("Pages about one post per `perPostWindowMinutes`; over it the page is not sent (0: no limit).").default(1),
            perPostWindowMinutes: z.int().min(1).describe("The window of `perPost`, in minutes.").default(1440),
            perForum: z
              .int()
              .min(0)
              .describe("Pages about one forum's posts per `perForumWindowMinutes`, across every auto-hide process; over it pages are not sent (0: no limit).")
              .default(20),
            perForumWindowMinutes: z.int().min(1).describe("The window of `perForum`, in minutes.").default(60),
          })
          .prefault({}),
      })
      .prefault({}),
    rateLimit: z
      .strictObject({
        perSecond: z
          .number()
          .positive()
          .describe("Forum API calls per second, per forum and worker process; over it, calls wait (none is dropped).")
          .default(20),
        burst: z.int().min(1).describe("Calls a forum may take at once after a quiet spell.").default(20),
        forums: z.record(z.string(), z.number().positive()).describe("Calls per second for particular forums (forum id → rate), over `perSecond`.").default({}),
      })
      .prefault({}),
    retry: retrySchema,
    stateTtlDays: z
      .int()
      .min(0)
      .describe("How long the sink remembers what it did to a post (and who decided it) after the post's last decision (0: forever).")
      .default(400),
  })
  .prefault({});

export type AutoHideSettings = z.output<typeof autoHideSchema>;
