import { FakePlatformServer, type PlatformAnswer, type PlatformRequest } from "./fake-platform-server.js";

/**
 * A fake of NodeBB v3's write API for post state, built from NodeBB/NodeBB:
 * - src/routes/write/posts.js: `PUT /:pid/state` → controllers.write.posts.restore,
 *   `DELETE /:pid/state` → controllers.write.posts.delete (mounted at /api/v3/posts), after
 *   middleware.assert.post (an unknown pid → 404 `[[error:no-post]]`).
 * - src/posts/tools.js togglePostDelete: a deleted post deleted again throws
 *   `[[error:post-already-deleted]]`, a shown one restored throws `[[error:post-already-restored]]`.
 * - src/routes/helpers.js setupApiRoute: a thrown error → formatApiResponse(400, …);
 *   src/controllers/helpers.js formatApiResponse/generateError: `{status: {code: "bad-request",
 *   message}, response: {}}`, the message translated (the `lang` query, else the user's language):
 *   public/language/en-GB/error.json "This post has already been deleted" / "…restored",
 *   "no-post": "Post does not exist". Success: 200 `{status: {code: "ok", message: "OK"}, response: {}}`.
 * - src/middleware/index.js authenticate: `Authorization: Bearer <token>`; a master token needs `_uid`
 *   (body or query), else `[[error:api.master-token-no-uid]]`; a bad token → 401.
 * - Flags (the moderators' flags queue, NodeBB v3.9): src/routes/write/flags.js `POST /` →
 *   controllers/write/flags.js create({type, id, reason}) → src/api/flags.js create: a missing
 *   type, id or reason is `[[error:invalid-data]]`; src/flags.js validate: a deleted post is
 *   `[[error:post-deleted]]` (no en-GB text: the key comes back), an unknown pid reaches
 *   Flags.create's `targetExists` check, `[[error:invalid-data]]` ("Invalid Data"); Flags.create:
 *   a flag by the same uid (`flags:hash` type:id:uid) is `[[error:post-already-flagged]]` ("You
 *   have already flagged this post"); a post flagged by someone else gets one more report on the
 *   same flag. A privileged caller gets the flag object back: `{status: ok, response: {flagId, …}}`.
 * - NodeBB's write API sends no rate-limit headers of its own; a 429 with Retry-After is what a
 *   proxy in front of it sends (scripted with answerNext).
 */
export class NodebbFake extends FakePlatformServer {
  readonly posts = new Map<number, { deleted: boolean }>();
  /** The flags queue: pid → its flag's reports (uid, reason). */
  readonly flags = new Map<number, { flagId: number; reports: { uid: number; reason: string }[] }>();

  constructor(
    readonly token: string,
    /** Set: the token is a master token, and `_uid` must be this uid. */
    readonly masterUid?: number,
  ) {
    super();
  }

  private static error(status: number, code: string, message: string): PlatformAnswer {
    return { status, body: { status: { code, message }, response: {} } };
  }

  protected route(request: PlatformRequest): PlatformAnswer {
    if (request.headers.authorization !== `Bearer ${this.token}`) return { status: 401, body: "not-authorized" };
    if (this.masterUid !== undefined && request.query.get("_uid") !== String(this.masterUid))
      return { status: 500, body: { error: "[[error:api.master-token-no-uid]]" } };
    const english = request.query.get("lang") === "en-GB";
    const message = (key: string, text: string) => (english ? text : key);
    if (request.method === "POST" && request.path === "/api/v3/flags") return this.flag(request, message);
    const match = /^\/api\/v3\/posts\/(\d+)\/state$/.exec(request.path);
    if (!match || (request.method !== "DELETE" && request.method !== "PUT"))
      return NodebbFake.error(404, "not-found", message("[[error:api.404]]", "Invalid API call"));
    const post = this.posts.get(Number(match[1]));
    if (!post) return NodebbFake.error(404, "not-found", message("[[error:no-post]]", "Post does not exist"));
    const deleting = request.method === "DELETE";
    if (deleting && post.deleted) return NodebbFake.error(400, "bad-request", message("[[error:post-already-deleted]]", "This post has already been deleted"));
    if (!deleting && !post.deleted)
      return NodebbFake.error(400, "bad-request", message("[[error:post-already-restored]]", "This post has already been restored"));
    post.deleted = deleting;
    return { status: 200, body: { status: { code: "ok", message: "OK" }, response: {} } };
  }

  private flag(request: PlatformRequest, message: (key: string, text: string) => string): PlatformAnswer {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const invalid = NodebbFake.error(400, "bad-request", message("[[error:invalid-data]]", "Invalid Data"));
    if (!body.type || !body.id || !body.reason || body.type !== "post") return invalid;
    const pid = Number(body.id);
    const post = this.posts.get(pid);
    if (post?.deleted) return NodebbFake.error(400, "bad-request", "[[error:post-deleted]]");
    const uid = this.masterUid ?? 1;
    const flag = this.flags.get(pid);
    if (flag?.reports.some((r) => r.uid === uid))
      return NodebbFake.error(400, "bad-request", message("[[error:post-already-flagged]]", "You have already flagged this post"));
    if (!post) return invalid;
    const entry = flag ?? { flagId: this.flags.size + 1, reports: [] };
    entry.reports.push({ uid, reason: String(body.reason) });
    this.flags.set(pid, entry);
    return { status: 200, body: { status: { code: "ok", message: "OK" }, response: { flagId: entry.flagId, type: "post", targetId: pid } } };
  }
}
