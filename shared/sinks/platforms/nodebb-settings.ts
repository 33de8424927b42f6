import { z } from "zod";
import { secretSchema } from "../../settings/fields.js";

/** A NodeBB v3 forum (`autoHide.forums.<id>.platform: nodebb`): docs/platforms/nodebb.md. */
export const nodebbForumSchema = z.strictObject({
  platform: z.literal("nodebb"),
  baseUrl: z.url().describe("The forum's address, e.g. `https://forum.example.org` (its write API is `/api/v3`)."),
  token: secretSchema.describe(
    "A write-API token (sent as `Authorization: Bearer …`): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests.",
  ),
  uid: z.int().min(1).optional().describe("The moderator's uid, sent as `_uid`: needed with a master token, left unset with a token tied to a user."),
  perSecond: z.number().positive().describe("Calls per second to this forum, per worker process.").default(5),
  timeoutMs: z.int().min(1).describe("Deadline of one call; a call past it is retried.").default(5000),
});

export type NodebbForumSettings = z.output<typeof nodebbForumSchema>;
