import { FakePlatformServer, type PlatformAnswer, type PlatformRequest } from "./fake-platform-server.js";

/** The notify flag types of db/fixtures/003_flags.rb: off_topic 3, inappropriate 4, notify_moderators 7, spam 8, illegal 10. */
const NOTIFY_TYPES: ReadonlySet<number> = new Set([3, 4, 7, 8, 10]);

/**
 * A fake of the parts of Discourse's API the auto-hide sink calls, built from discourse/discourse:
 * - config/routes.rb: `resources :post_actions` (POST /post_actions → PostActionsController#create),
 *   `put "posts/:post_id/unhide"` → PostsController#unhide, `put "posts/:id/notice"` →
 *   PostsController#notice, `get "posts/:id"` → PostsController#show (`.json`).
 * - Auth: the `Api-Key` and `Api-Username` headers (lib/auth/default_current_user_provider.rb);
 *   a wrong pair is Discourse::InvalidAccess → 403 `{"errors":[…],"error_type":"invalid_access"}`
 *   (ApplicationController's rescue_discourse_actions).
 * - PostActionsController#create: `take_action: params[:take_action] == 'true'` (a string), then
 *   PostActionCreator#perform: a second action of the same type by the same user fails
 *   `post_can_act?` → `result.forbidden = true`, error I18n "action_already_performed";
 *   render_json_error → `status_code(obj)` is 403 for a forbidden result (422 otherwise). A staff
 *   flag with take_action hides the post (`auto_hide_if_needed`: `@take_action` → `@post.hide!`);
 *   success renders the post (render_post_json), `hidden: true`.
 * - PostsController#unhide: `post.unhide!`, `render body: nil` (200, empty). Post#unhide! leaves the
 *   flag (the PostAction row) in place, so the same user flagging again is refused as above.
 * - PostsController#notice: `params[:notice].present?` sets the custom notice, else deletes it; `render body: nil`.
 * - An unknown post: Discourse::NotFound → 404 `{"errors":[…],"error_type":"not_found"}`.
 * - Tickets, a flag that takes no action: `post_action_type_id` 7 is notify_moderators
 *   (db/fixtures/003_flags.rb: notify_type, not auto_action_type, require_message); the notify
 *   flag types are 3, 4, 7, 8 and 10. PostActionCreator#create_reviewable opens a
 *   ReviewableFlaggedPost for a notify flag (agreed at once when a staff flag takes action), and
 *   a message goes to the moderators (create_message_creator). PostGuardian#post_can_act? (lib/
 *   guardian/post_guardian.rb) refuses a flag on a hidden post, and any flag by an account that
 *   already flagged the post with a notify type (`already_did_flagging`); the refusal's error is
 *   "action_already_performed" when that same type was taken, else "invalid_access" (403 both).
 * - GET /posts/{id}.json: ApplicationController#render_post_json sets the serializer's
 *   post_actions from PostAction.counts_for([post], current_user); PostSerializer#actions_summary
 *   then marks the current user's actions `acted: true`.
 * - Rate limit (ApplicationController#render_rate_limit_error): 429, `Retry-After: <seconds>`,
 *   body `{"errors":[…],"error_type":"rate_limit","extras":{"wait_seconds":N}}`; see {@link rateLimit}.
 */
export class DiscourseFake extends FakePlatformServer {
  /** Post id → hidden. */
  readonly posts = new Map<number, { hidden: boolean; notice: string | null }>();
  /** `postId:typeId` flags by the API user (Discourse keeps one PostAction per user, post and type). */
  readonly flags = new Set<string>();
  /** The review queue: one ReviewableFlaggedPost per post, its scores (flags) and the flags' messages to the moderators. */
  readonly reviewables = new Map<number, { status: "pending" | "approved"; scores: { typeId: number; message: string | null }[] }>();

  constructor(
    readonly apiKey: string,
    readonly apiUsername: string,
  ) {
    super();
  }

  addPost(id: number): void {
    this.posts.set(id, { hidden: false, notice: null });
  }

  isHidden(id: number): boolean {
    return this.posts.get(id)?.hidden === true;
  }

  /** A 429 as Discourse's rate limiter sends it: header and body agree by default. */
  static rateLimit(retryAfterSeconds: number, waitSeconds = retryAfterSeconds): PlatformAnswer {
    return {
      status: 429,
      headers: { "retry-after": String(retryAfterSeconds), "discourse-rate-limit-error-code": "admin_api_key_rate_limit" },
      body: {
        errors: [`You’ve performed this action too many times. Please wait ${waitSeconds} seconds before trying again.`],
        error_type: "rate_limit",
        extras: { wait_seconds: waitSeconds },
      },
    };
  }

  /** The API user's flags on the post, as PostSerializer#actions_summary marks them. */
  private actionsSummary(id: number): { id: number; acted: true }[] {
    return [...this.flags].filter((f) => f.startsWith(`${id}:`)).map((f) => ({ id: Number(f.split(":")[1]), acted: true as const }));
  }

  protected route(request: PlatformRequest): PlatformAnswer {
    if (request.headers["api-key"] !== this.apiKey || request.headers["api-username"] !== this.apiUsername)
      return { status: 403, body: { errors: ["You are not permitted to view the requested resource."], error_type: "invalid_access" } };
    const notFound: PlatformAnswer = { status: 404, body: { errors: ["The requested URL or resource could not be found."], error_type: "not_found" } };
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (request.method === "POST" && request.path === "/post_actions") {
      const id = Number(body.id);
      const post = this.posts.get(id);
      if (!post) return notFound;
      const typeId = Number(body.post_action_type_id);
      const key = `${id}:${typeId}`;
      const alreadyFlagged = [...NOTIFY_TYPES].some((t) => this.flags.has(`${id}:${t}`));
      if (post.hidden || alreadyFlagged)
        return {
          status: 403,
          body: this.flags.has(key)
            ? { errors: ["Oops! You already performed that action."], error_type: "invalid_access" }
            : { errors: ["You are not permitted to view the requested resource."], error_type: "invalid_access" },
        };
      this.flags.add(key);
      const takeAction = body.take_action === "true";
      if (NOTIFY_TYPES.has(typeId)) {
        const reviewable = this.reviewables.get(id) ?? { status: "pending" as const, scores: [] };
        reviewable.scores.push({ typeId, message: typeof body.message === "string" && body.message !== "" ? body.message : null });
        if (takeAction) reviewable.status = "approved";
        this.reviewables.set(id, reviewable);
      }
      if (takeAction) post.hidden = true;
      return { status: 200, body: { id, hidden: post.hidden, actions_summary: this.actionsSummary(id) } };
    }
    const match = /^\/posts\/(\d+)(\.json|\/unhide|\/notice)$/.exec(request.path);
    const post = match ? this.posts.get(Number(match[1])) : undefined;
    if (!match || !post) return notFound;
    if (request.method === "GET" && match[2] === ".json")
      return { status: 200, body: { id: Number(match[1]), hidden: post.hidden, actions_summary: this.actionsSummary(Number(match[1])) } };
    if (request.method === "PUT" && match[2] === "/unhide") {
      post.hidden = false;
      return { status: 200 };
    }
    if (request.method === "PUT" && match[2] === "/notice") {
      post.notice = typeof body.notice === "string" && body.notice.trim() !== "" ? body.notice : null;
      return { status: 200 };
    }
    return notFound;
  }
}
