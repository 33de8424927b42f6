import { z } from "zod";
import { secretSetting } from "../settings/fields.js";

// What every sink's HTTP calls share; the auto-hide and ticket sections build on these.

export const httpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** One HTTP call of a sink: a URL template (`{forumId}`, `{postId}`, `{decisionId}` are filled in, URL-encoded) and a method. */
export const httpCallFields = (what: string) => ({
  method: httpMethod.describe(`HTTP method of ${what}.`).default("POST"),
  url: z.string().describe(`URL template of ${what} (\`{forumId}\`, \`{postId}\`, \`{decisionId}\`); empty: unset.`).default(""),
});
export const httpCallSchema = (what: string) => z.strictObject(httpCallFields(what)).prefault({});

/** What every outgoing HTTP endpoint of a sink shares: extra headers, a bearer token, a deadline. */
export const endpointFields = (what: string) => ({
  headers: z.record(z.string(), z.string()).describe(`Extra request headers of ${what} (not for credentials: use \`token\`).`).default({}),
  token: secretSetting(`Bearer token sent to ${what} as \`Authorization: Bearer …\` (unset: no Authorization header).`),
  timeoutMs: z.int().min(1).describe(`Deadline of one call to ${what}; a call past it is retried.`).default(5000),
});

export type HttpCallSettings = z.output<ReturnType<typeof httpCallSchema>>;
