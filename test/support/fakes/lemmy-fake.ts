import { FakePlatformServer, type PlatformAnswer, type PlatformRequest } from "./fake-platform-server.js";

/**
 * A fake of the parts of Lemmy 0.19's HTTP API v3 the auto-hide sink calls, built from
 * LemmyNet/lemmy (0.19) and lemmy-js-client (0.19) types:
 * - Routes (crates/api routes in src/api_routes_http.rs, `/api/v3`): POST /post/remove (RemovePost
 *   {post_id, removed, reason?} → PostResponse {post_view}), POST /comment/remove (RemoveComment
 *   {comment_id, removed, reason?} → CommentResponse {comment_view, recipient_ids}), GET /post?id=
 *   (GetPostResponse {post_view, community_view, moderators, cross_posts}), GET /comment?id=
 *   (CommentResponse), POST /private_message (CreatePrivateMessage {content, recipient_id} →
 *   PrivateMessageResponse {private_message_view}).
 * - Auth: `Authorization: Bearer <jwt>` (0.19 reads the header or the `jwt` cookie); none →
 *   LemmyErrorType::NotLoggedIn.
 * - Errors (crates/utils/src/error.rs, ResponseError for LemmyError): the body is the error type,
 *   `{"error":"<snake_case>"}`; NotFound → 404, RateLimitError → 429 (the rate-limit middleware,
 *   crates/utils/src/rate_limit, sends no Retry-After), IncorrectLogin → 401, all else → 400.
 * - Removing sets `removed` whatever it was: a repeat answers 200 like the first call.
 * - Reports (the community moderators' reports queue): POST /post/report (CreatePostReport
 *   {post_id, reason} → PostReportResponse {post_report_view}), POST /comment/report
 *   (CreateCommentReport {comment_id, reason} → CommentReportResponse {comment_report_view}):
 *   crates/api/src/post_report/create.rs, comment_report/create.rs (0.19). check_report_reason:
 *   the trimmed reason empty → report_reason_required, over 1000 chars → report_too_long. The
 *   tables keep one report per account and target (migration: `unique(post_id, creator_id)`), so
 *   a repeat fails the insert → couldnt_create_report, 400 (LemmyNet/lemmy#6214 shows the
 *   UniqueViolation of post_report_post_id_creator_id_key behind it).
 */
export class LemmyFake extends FakePlatformServer {
  readonly posts = new Map<number, { removed: boolean; creatorId: number }>();
  readonly comments = new Map<number, { removed: boolean; creatorId: number }>();
  readonly messages: { recipientId: number; content: string }[] = [];
  /** The reports queue: `post:<id>` or `comment:<id>` → the reason (one report per account). */
  readonly reports = new Map<string, string>();

  constructor(readonly jwt: string) {
    super();
  }

  static readonly rateLimited: PlatformAnswer = { status: 429, body: { error: "rate_limit_error" } };

  protected route(request: PlatformRequest): PlatformAnswer {
    if (request.headers.authorization !== `Bearer ${this.jwt}`) return { status: 400, body: { error: "not_logged_in" } };
    const body = (request.body ?? {}) as Record<string, unknown>;
    const notFound: PlatformAnswer = { status: 404, body: { error: "not_found" } };
    const view = (id: number, item: { removed: boolean; creatorId: number }, kind: "post" | "comment") => ({
      [kind]: { id, removed: item.removed },
      creator: { id: item.creatorId, name: `user${item.creatorId}` },
    });
    switch (`${request.method} ${request.path}`) {
      case "POST /api/v3/post/remove": {
        const post = this.posts.get(Number(body.post_id));
        if (!post) return notFound;
        if (typeof body.removed !== "boolean") return { status: 400, body: { error: "invalid_body_field" } };
        post.removed = body.removed;
        return { status: 200, body: { post_view: view(Number(body.post_id), post, "post") } };
      }
      case "POST /api/v3/comment/remove": {
        const comment = this.comments.get(Number(body.comment_id));
        if (!comment) return notFound;
        if (typeof body.removed !== "boolean") return { status: 400, body: { error: "invalid_body_field" } };
        comment.removed = body.removed;
        return { status: 200, body: { comment_view: view(Number(body.comment_id), comment, "comment"), recipient_ids: [] } };
      }
      case "GET /api/v3/post": {
        const id = Number(request.query.get("id"));
        const post = this.posts.get(id);
        return post ? { status: 200, body: { post_view: view(id, post, "post"), moderators: [], cross_posts: [] } } : notFound;
      }
      case "GET /api/v3/comment": {
        const id = Number(request.query.get("id"));
        const comment = this.comments.get(id);
        return comment ? { status: 200, body: { comment_view: view(id, comment, "comment"), recipient_ids: [] } } : notFound;
      }
      case "POST /api/v3/private_message": {
        if (typeof body.content !== "string" || typeof body.recipient_id !== "number") return { status: 400, body: { error: "invalid_body_field" } };
        this.messages.push({ recipientId: body.recipient_id, content: body.content });
        return { status: 200, body: { private_message_view: { private_message: { id: this.messages.length, content: body.content } } } };
      }
      case "POST /api/v3/post/report":
      case "POST /api/v3/comment/report": {
        const kind = request.path.includes("/post/") ? "post" : "comment";
        const id = Number(kind === "post" ? body.post_id : body.comment_id);
        const target = kind === "post" ? this.posts.get(id) : this.comments.get(id);
        if (!target) return notFound;
        const reason = typeof body.reason === "string" ? body.reason.trim() : "";
        if (reason === "") return { status: 400, body: { error: "report_reason_required" } };
        if ([...reason].length > 1000) return { status: 400, body: { error: "report_too_long" } };
        if (this.reports.has(`${kind}:${id}`)) return { status: 400, body: { error: "couldnt_create_report" } };
        this.reports.set(`${kind}:${id}`, reason);
        const view = { [`${kind}_report`]: { id: this.reports.size, [`${kind}_id`]: id, reason, resolved: false } };
        return { status: 200, body: { [`${kind}_report_view`]: view } };
      }
      default:
        return notFound;
    }
  }
}
