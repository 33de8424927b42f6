import { z } from "zod";
import { nonBlank, secretSchema } from "../../settings/fields.js";

const secret = (doc: string) =>
  secretSchema.describe(`${doc} \`{env: VARIABLE}\` or \`{file: path}\` (a mounted Secret); a plain string only for local tests.`);

/**
 * One subreddit the auto-hide sink moderates through Reddit's OAuth2 API, as a moderator
 * account that authorised a "script" or "web" app with a permanent refresh token
 * (docs/platforms/reddit.md).
 */
export const redditForumSchema = z.strictObject({
  platform: z.literal("reddit"),
  subreddit: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/, "must be a subreddit name without r/ (2-21 letters, digits or _)")
    .describe("The subreddit, without `r/`: pages go to its modmail, banners are its link flair."),
  clientId: secret("The Reddit app's client id (reddit.com/prefs/apps)."),
  clientSecret: secret("The Reddit app's client secret, sent with the client id as HTTP Basic auth to the token endpoint."),
  refreshToken: secret(
    "A permanent refresh token of the moderator account, granted the scopes `modposts`, `modflair`, `privatemessages`, `read` and (for tickets) `report`.",
  ),
  userAgent: nonBlank().max(256).describe("User-Agent of every call, as Reddit's API rules ask: `<platform>:<app id>:<version> (by /u/<username>)`."),
  apiUrl: z.url().describe("Reddit's OAuth API (a test points it at a fake).").default("https://oauth.reddit.com"),
  tokenUrl: z.url().describe("Reddit's token endpoint.").default("https://www.reddit.com/api/v1/access_token"),
  bannerFlair: z
    .string()
    .min(1)
    .max(64)
    .describe("Link flair text set on a post as its banner (Reddit allows 64 characters); a BANNER on a comment is refused (comments have no link flair).")
    .default("If you are struggling, support is available"),
  bannerFlairCssClass: z
    .string()
    .regex(/^[A-Za-z0-9_ -]*$/, "must be CSS class names")
    .describe("CSS class of the banner flair (empty: none).")
    .default(""),
  timeoutMs: z.int().min(1).describe("Deadline of one call to Reddit; a call past it is retried.").default(10_000),
});

export type RedditForumSettings = z.output<typeof redditForumSchema>;
