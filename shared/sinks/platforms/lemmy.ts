import type { Decision, HttpExchange } from "../../codec/records.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { UnsupportedCallError } from "../errors/unsupported-call-error.js";
import { HttpEndpoint } from "../http-endpoint.js";
import type { LemmyForumSettings } from "./lemmy-settings.js";
import type { PlatformAdapter, ReviewTicket } from "./platform-adapter.js";
import { jsonBody, PlatformEndpoint, platformId, refusal, trimBase, type PlatformDeps } from "./platform-endpoint.js";

/** Longest report reason Lemmy takes (check_report_reason: `reason.chars().count() > 1000` is ReportTooLong). */
const REASON_LIMIT = 1000;

/**
 * A Lemmy 0.19 instance, through its HTTP API v3 as a community moderator (docs/platforms/lemmy.md):
 * - hide / unhide: `POST /api/v3/post/remove` {post_id, removed: true|false, reason}, or for a
 *   comment `POST /api/v3/comment/remove` {comment_id, removed, reason}. Lemmy sets the flag
 *   whatever it was, so a repeat answers 200 like the first call.
 * - banner: a private message to the author, `POST /api/v3/private_message` {content,
 *   recipient_id}, the author read first from `GET /api/v3/post?id=` (`post_view.creator.id`)
 *   or `GET /api/v3/comment?id=` (`comment_view.creator.id`).
 * - unbanner: nothing to call (a message sent cannot be taken back): it succeeds as is.
 * - ticket: a report to the community's moderators (their reports queue), `POST /api/v3/post/report`
 *   {post_id, reason} or `POST /api/v3/comment/report` {comment_id, reason}; the reason is 1 to
 *   1000 characters (check_report_reason). Lemmy keeps one report per account and post or comment
 *   (unique (post_id, creator_id)): a repeat fails the insert, 400 `couldnt_create_report`, which
 *   counts as success.
 * A post id `1234` or `post:1234` is a post; `comment:56` (any prefix whose last `:`-part is
 * `comment`) is a comment.
 */
export class LemmyAdapter implements PlatformAdapter {
  readonly platform = "lemmy";
  private readonly endpoint: PlatformEndpoint;
  private readonly base: string;

  constructor(
    private readonly settings: LemmyForumSettings,
    private readonly deps: PlatformDeps,
  ) {
    const endpoint = new HttpEndpoint({ headers: {}, token: settings.jwt, timeoutMs: settings.timeoutMs }, `${deps.setting}.jwt`);
    this.endpoint = new PlatformEndpoint(endpoint, deps);
    this.base = `${trimBase(settings.baseUrl)}/api/v3`;
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    const { id, kind } = platformId("lemmy", decision.postId);
    const comment = kind === "comment";
    const send = (method: string, path: string, body?: unknown) =>
      this.endpoint.call(call, { method, url: `${this.base}${path}`, body, idempotencyKey: `${decision.decisionId}:${call}` }, decision, signal);
    const remove = (removed: boolean) =>
      comment
        ? send("POST", "/comment/remove", { comment_id: id, removed, reason: this.settings.reason })
        : send("POST", "/post/remove", { post_id: id, removed, reason: this.settings.reason });
    switch (call) {
      case "hide":
        return remove(true);
      case "unhide":
        return remove(false);
      case "banner": {
        if (this.settings.notice === "") throw new UnsupportedCallError("lemmy", call, `${this.deps.setting}.notice is not set`);
        const view = await send("GET", comment ? `/comment?id=${id}` : `/post?id=${id}`);
        const body = jsonBody(view) as { post_view?: { creator?: { id?: unknown } }; comment_view?: { creator?: { id?: unknown } } } | null;
        const creator = (comment ? body?.comment_view : body?.post_view)?.creator?.id;
        if (typeof creator !== "number") throw new HttpCallError(view, `no ${comment ? "comment_view" : "post_view"}.creator.id in the answer`);
        return send("POST", "/private_message", { content: this.settings.notice, recipient_id: creator });
      }
      case "unbanner":
        return { method: "NONE", url: `${this.base}/private_message`, status: 204, body: "a private message cannot be taken back: nothing to undo" };
      case "page":
        throw new UnsupportedCallError("lemmy", call, "pages go to autoHide.pager");
    }
  }

  async report(ticket: ReviewTicket, signal: AbortSignal): Promise<HttpExchange> {
    const { id, kind } = platformId("lemmy", ticket.postId);
    const reason = ticket.summary.slice(0, REASON_LIMIT);
    const [path, body] = kind === "comment" ? ["/comment/report", { comment_id: id, reason }] : ["/post/report", { post_id: id, reason }];
    const request = { method: "POST", url: `${this.base}${path}`, body, idempotencyKey: `${ticket.identity}:ticket` };
    try {
      return await this.endpoint.call("ticket", request, ticket, signal);
    } catch (error) {
      const refused = refusal(error);
      if (refused?.exchange.status === 400 && (jsonBody(refused.exchange) as { error?: unknown } | null)?.error === "couldnt_create_report")
        return refused.exchange;
      throw error;
    }
  }
}
