import type { Decision, HttpExchange } from "../../codec/records.js";
import { resolveSecret } from "../../settings/transport-security.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { UnsupportedCallError } from "../errors/unsupported-call-error.js";
import { HttpEndpoint, type HttpRequest } from "../http-endpoint.js";
import type { DiscourseForumSettings } from "./discourse-settings.js";
import type { PlatformAdapter, ReviewTicket } from "./platform-adapter.js";
import { jsonBody, PlatformEndpoint, platformId, refusal, trimBase, type PlatformDeps } from "./platform-endpoint.js";

/**
 * Discourse answers a rate limit with 429, a `Retry-After` header and, in the JSON body,
 * `extras.wait_seconds` (ApplicationController's `render_rate_limit_error`): the longer of the two is waited.
 */
class DiscourseEndpoint extends HttpEndpoint {
  override async call(request: HttpRequest, signal: AbortSignal): Promise<HttpExchange> {
    try {
      return await super.call(request, signal);
    } catch (error) {
      if (!(error instanceof HttpCallError) || error.exchange.status !== 429) throw error;
      const extras = (jsonBody(error.exchange) as { extras?: { wait_seconds?: unknown } } | null)?.extras;
      const waitMs = typeof extras?.wait_seconds === "number" && extras.wait_seconds >= 0 ? extras.wait_seconds * 1000 : undefined;
      if (waitMs === undefined || waitMs <= (error.retryAfterMs ?? 0)) throw error;
      throw new HttpCallError(error.exchange, `HTTP 429 (wait_seconds ${waitMs / 1000})`, waitMs);
    }
  }
}

/**
 * `notify_moderators` (db/fixtures/003_flags.rb: id 7, notify_type, not an auto_action_type, so
 * no hide however high the score; require_message). Off-topic (3), inappropriate (4) and spam (8)
 * are auto-action types: from a staff account they may hide the post, which a ticket must not.
 */
const NOTIFY_MODERATORS = 7;
/** The flag types of db/fixtures/003_flags.rb that open a review (notify_type): a flag by this account of any of them means the post is in the queue. */
const FLAG_TYPES: ReadonlySet<number> = new Set([3, 4, 7, 8, 10]);

/**
 * A Discourse forum, through the API a moderator's browser uses (docs/platforms/discourse.md):
 * - hide: a staff flag that takes action, `POST /post_actions` {id, post_action_type_id,
 *   take_action: "true"}. PostActionCreator hides the post at once when a staff member's flag
 *   takes action (`auto_hide_if_needed`), and the flag lands in the review queue as agreed.
 *   Discourse answers a second flag by the same user 403 ("already performed") and a flag on a
 *   post reviewed recently 422 ("already handled"): on either the post is read back
 *   (`GET /posts/{id}.json`), and a post already hidden is a success; one still shown is refused.
 * - unhide: `PUT /posts/{id}/unhide` (PostsController#unhide; on a shown post it changes nothing).
 * - banner / unbanner: the staff notice, `PUT /posts/{id}/notice` {notice} (empty: removed).
 * - ticket: a flag that takes no action, `POST /post_actions` {id, post_action_type_id: 7
 *   (notify_moderators), message}: PostActionCreator opens a ReviewableFlaggedPost (the review
 *   queue) and sends the message to the moderators. Discourse takes one flag per account and post
 *   (PostGuardian#post_can_act?: `already_did_flagging`) and answers another 403: the post is read
 *   back, and one this account has flagged already (`actions_summary[].acted`: this ticket before,
 *   or the auto-hide's staff flag) counts as in the queue; otherwise the 403 is a refusal.
 * The post id is Discourse's numeric post id (`1234` or `discourse:1234`).
 */
export class DiscourseAdapter implements PlatformAdapter {
  readonly platform = "discourse";
  private readonly endpoint: PlatformEndpoint;
  private readonly base: string;

  constructor(
    private readonly settings: DiscourseForumSettings,
    private readonly deps: PlatformDeps,
  ) {
    const headers = {
      "Api-Key": resolveSecret(settings.apiKey, `${deps.setting}.apiKey`),
      "Api-Username": settings.apiUsername,
    };
    this.endpoint = new PlatformEndpoint(new DiscourseEndpoint({ headers, timeoutMs: settings.timeoutMs }, `${deps.setting}.apiKey`), deps);
    this.base = trimBase(settings.baseUrl);
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    const { id } = platformId("discourse", decision.postId);
    const send = (method: string, path: string, body?: unknown) =>
      this.endpoint.call(call, { method, url: `${this.base}${path}`, body, idempotencyKey: `${decision.decisionId}:${call}` }, decision, signal);
    switch (call) {
      case "hide":
        try {
          // Rails reads `take_action == 'true'`: a JSON true would not match, so it goes as a string.
          return await send("POST", "/post_actions", { id, post_action_type_id: this.settings.flagTypeId, take_action: "true" });
        } catch (error) {
          const refused = refusal(error);
          if (!refused || (refused.exchange.status !== 403 && refused.exchange.status !== 422)) throw error;
          const post = await send("GET", `/posts/${id}.json`);
          if ((jsonBody(post) as { hidden?: unknown } | null)?.hidden === true) return post;
          throw error;
        }
      case "unhide":
        return send("PUT", `/posts/${id}/unhide`);
      case "banner":
        if (this.settings.notice === "") throw new UnsupportedCallError("discourse", call, `${this.deps.setting}.notice is not set`);
        return send("PUT", `/posts/${id}/notice`, { notice: this.settings.notice });
      case "unbanner":
        return send("PUT", `/posts/${id}/notice`, { notice: "" });
      case "page":
        throw new UnsupportedCallError("discourse", call, "pages go to autoHide.pager");
    }
  }

  async report(ticket: ReviewTicket, signal: AbortSignal): Promise<HttpExchange> {
    const { id } = platformId("discourse", ticket.postId);
    const send = (method: string, path: string, body?: unknown) =>
      this.endpoint.call("ticket", { method, url: `${this.base}${path}`, body, idempotencyKey: `${ticket.identity}:ticket` }, ticket, signal);
    try {
      return await send("POST", "/post_actions", { id, post_action_type_id: NOTIFY_MODERATORS, message: ticket.lines.join("\n") });
    } catch (error) {
      const refused = refusal(error);
      if (!refused || refused.exchange.status !== 403) throw error;
      const post = await send("GET", `/posts/${id}.json`);
      const actions = (jsonBody(post) as { actions_summary?: unknown } | null)?.actions_summary;
      const flagged =
        Array.isArray(actions) &&
        actions.some(
          (a: { id?: unknown; acted?: unknown }) => a.acted === true && typeof a.id === "number" && (FLAG_TYPES.has(a.id) || a.id === this.settings.flagTypeId),
        );
      if (flagged) return post;
      throw error;
    }
  }
}
