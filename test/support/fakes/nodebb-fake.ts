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
 * - NodeBB's write API sends no rate-limit headers of its own; a 429 with Retry-After is what a
 *   proxy in front of it sends (scripted with answerNext).
 */
export class NodebbFake extends FakePlatformServer {
  readonly posts = new Map<number, { deleted: boolean }>();

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
}
