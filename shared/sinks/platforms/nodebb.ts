import type { Decision, HttpExchange } from "../../codec/records.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";
import { UnsupportedCallError } from "../errors/unsupported-call-error.js";
import { HttpEndpoint, type HttpRequest } from "../http-endpoint.js";
import type { NodebbForumSettings } from "./nodebb-settings.js";
import type { CallSubject, PlatformAdapter, ReviewTicket } from "./platform-adapter.js";
import { jsonBody, PlatformEndpoint, platformId, refusal, trimBase, type PlatformDeps } from "./platform-endpoint.js";

/**
 * What NodeBB answers a repeat with: `posts.tools` throws `[[error:post-already-deleted]]` /
 * `[[error:post-already-restored]]`, and the write API's error handler answers 400 with the
 * message translated into `status.message` (en-GB, asked for with `lang`: "This post has
 * already been deleted" / "…restored"). Either form counts.
 */
const ALREADY: Record<"hide" | "unhide" | "ticket", RegExp> = {
  hide: /post-already-deleted|This post has already been deleted/,
  unhide: /post-already-restored|This post has already been restored/,
  // src/flags.js Flags.create: `[[error:${type}-already-flagged]]`; en-GB error.json "post-already-flagged".
  ticket: /post-already-flagged|You have already flagged this post/,
};

/**
 * A NodeBB v3 forum, through its write API (docs/platforms/nodebb.md):
 * - hide: `DELETE /api/v3/posts/{pid}/state` (a soft delete: moderators still see the post and
 *   can restore it); unhide: `PUT /api/v3/posts/{pid}/state`. A repeat is NodeBB's 400
 *   "already deleted/restored", which counts as success.
 * - banner / unbanner: not supported (a chat to the author would need its uid, a room and a
 *   message, none of which can be undone): the decision is dead-lettered, saying so.
 * - ticket: a flag, `POST /api/v3/flags` {type: "post", id, reason}, which opens (or adds a report
 *   to) the post's flag in the moderators' flags queue. A second flag by the same account is
 *   NodeBB's `[[error:post-already-flagged]]` ("You have already flagged this post"), 400: success.
 *   A deleted post (one the auto-hide deleted, say) cannot be flagged: `[[error:post-deleted]]`, a refusal.
 * The post id is NodeBB's numeric pid (`1234` or `nodebb:1234`).
 */
export class NodebbAdapter implements PlatformAdapter {
  readonly platform = "nodebb";
  private readonly endpoint: PlatformEndpoint;
  private readonly base: string;
  private readonly query: string;

  constructor(settings: NodebbForumSettings, deps: PlatformDeps) {
    const endpoint = new HttpEndpoint({ headers: {}, token: settings.token, timeoutMs: settings.timeoutMs }, `${deps.setting}.token`);
    this.endpoint = new PlatformEndpoint(endpoint, deps);
    this.base = `${trimBase(settings.baseUrl)}/api/v3`;
    // A master token acts as the uid in `_uid`; `lang` makes NodeBB's error messages the same whatever the user's language.
    this.query = `?lang=en-GB${settings.uid === undefined ? "" : `&_uid=${settings.uid}`}`;
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    if (call === "banner" || call === "unbanner")
      throw new UnsupportedCallError("nodebb", call, "NodeBB has no notice on a post; Arbiter does not chat to authors there");
    if (call === "page") throw new UnsupportedCallError("nodebb", call, "pages go to autoHide.pager");
    const { id } = platformId("nodebb", decision.postId);
    const request = {
      method: call === "hide" ? "DELETE" : "PUT",
      url: `${this.base}/posts/${id}/state${this.query}`,
      body: undefined,
      idempotencyKey: `${decision.decisionId}:${call}`,
    };
    return this.callOnce(call, request, decision, signal);
  }

  report(ticket: ReviewTicket, signal: AbortSignal): Promise<HttpExchange> {
    const { id } = platformId("nodebb", ticket.postId);
    // NodeBB takes any length; the flags list shows the reason, so it is the one-line summary.
    const body = { type: "post", id, reason: ticket.summary.slice(0, 1000) };
    return this.callOnce(
      "ticket",
      { method: "POST", url: `${this.base}/flags${this.query}`, body, idempotencyKey: `${ticket.identity}:ticket` },
      ticket,
      signal,
    );
  }

  /** One call; NodeBB's 400 "already …" for what the call was to do is its success. */
  private async callOnce(call: keyof typeof ALREADY, request: HttpRequest, subject: CallSubject, signal: AbortSignal): Promise<HttpExchange> {
    try {
      return await this.endpoint.call(call, request, subject, signal);
    } catch (error) {
      const refused = refusal(error);
      const message = refused ? (jsonBody(refused.exchange) as { status?: { message?: unknown } } | null)?.status?.message : undefined;
      if (refused && refused.exchange.status === 400 && typeof message === "string" && ALREADY[call].test(message)) return refused.exchange;
      throw error;
    }
  }
}
