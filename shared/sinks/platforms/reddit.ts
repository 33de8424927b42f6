import type { Decision, HttpExchange } from "../../codec/records.js";
import { assertNever } from "../../errors/assert-never.js";
import { abortableSleep } from "../../retry/abortable-sleep.js";
import { resolveSecret } from "../../settings/transport-security.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";
import { HttpCallError } from "../errors/http-call-error.js";
import { PlatformRefusalError } from "./errors/platform-refusal-error.js";
import { decisionLines } from "./moderator-notice.js";
import type { CallSubject, PlatformAdapter, ReviewTicket } from "./platform-adapter.js";
import type { RedditForumSettings } from "./reddit-settings.js";
import { jsonBody, restCall, withRetries, type PlatformAdapterDeps, type RestResponse } from "./rest-call.js";

// Reddit's moderation API as the auto-hide sink drives it. Sources (read, not copied):
// - reddit's own source, r2/r2/controllers/api.py: POST_remove (`@require_oauth2_scope("modposts")`,
//   `thing = VByName('id')`, `spam = VBoolean('spam', default=True)`: spam must be sent as false),
//   POST_approve (modposts), POST_flair (modflair; `link`, `text`, `css_class`; empty text and
//   css_class clear a link's flair), POST_compose (privatemessages; `to` of `/r/<name>` is modmail).
//   remove and approve are `@noresponse`: `{}` and 200, the same for a repeat. POST_report
//   (`@require_oauth2_scope("report")`, `thing = VByName('thing_id')`, `reason = VLength('reason',
//   max_length=100)`; a reason over 100 is a TOO_LONG form error) puts a link or comment in the
//   subreddit's modqueue (a moderator's report shows as a mod report); r2/models/report.py
//   Report.new returns the earlier report for a repeat by the same account ("Ignoring duplicate
//   report"), so a repeat is 200 like the first.
// - reddit's wiki "OAuth2": refresh-token grant at https://www.reddit.com/api/v1/access_token,
//   client id and secret as HTTP Basic auth, `{access_token, token_type, expires_in, scope}`.
// - reddit's wiki "API", Rules: X-Ratelimit-Used, X-Ratelimit-Remaining, X-Ratelimit-Reset
//   (seconds to the end of the period); a unique, descriptive User-Agent.
// - PRAW's endpoint table (praw/endpoints.py) and prawcore's rate_limit.py as a cross-check.

/** Longest report reason Reddit takes (POST_report: `VLength('reason', max_length=100)`). */
const REPORT_REASON_LIMIT = 100;

/** A Reddit fullname of what the sink acts on: a link (post, t3_) or a comment (t1_), base36 id. */
const FULLNAME = /^t[13]_[0-9a-z]{1,13}$/;

interface Token {
  value: string;
  expiresAt: number;
}

/** The auto-hide sink's calls, as the Reddit API calls that make them. */
export class RedditAdapter implements PlatformAdapter {
  readonly platform = "reddit" as const;
  private readonly clientAuth: string;
  private readonly refreshToken: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private token: Token | null = null;
  private refreshing: Promise<Token> | null = null;
  /** Reddit's rate window as its last answer told it: calls left, and when the window ends. */
  private window = { remaining: Number.POSITIVE_INFINITY, resetAt: 0 };
  /** Token refreshes done (a test reads it). */
  refreshes = 0;

  /** `section` names the forum's settings in errors (e.g. `autoHide.forums.my-sub`). */
  constructor(
    private readonly settings: RedditForumSettings,
    private readonly deps: PlatformAdapterDeps,
    section = "reddit",
  ) {
    const clientId = resolveSecret(settings.clientId, `${section}.clientId`);
    const clientSecret = resolveSecret(settings.clientSecret, `${section}.clientSecret`);
    this.clientAuth = `Basic ${Buffer.from(`${clientId}:${clientSecret}`, "utf8").toString("base64")}`;
    this.refreshToken = resolveSecret(settings.refreshToken, `${section}.refreshToken`);
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? abortableSleep;
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    const id = decision.postId;
    if (!FULLNAME.test(id))
      throw new PlatformRefusalError("REDDIT_POST_ID", `postId ${JSON.stringify(id)} is not a Reddit fullname of a post (t3_…) or comment (t1_…)`);
    const sub = this.settings.subreddit;
    switch (call) {
      case "hide":
        // spam=false: a removal, not spam training (the API's default is spam=true).
        return this.call(call, "/api/remove", { id, spam: "false" }, decision, signal);
      case "unhide":
        return this.call(call, "/api/approve", { id }, decision, signal);
      case "banner":
      case "unbanner": {
        if (!id.startsWith("t3_"))
          throw new PlatformRefusalError("REDDIT_NO_BANNER", `Reddit has no banner for a comment (${id}): link flair is for posts only`);
        const on = call === "banner";
        const form = { api_type: "json", link: id, text: on ? this.settings.bannerFlair : "", css_class: on ? this.settings.bannerFlairCssClass : "" };
        return this.call(call, `/r/${sub}/api/flair`, form, decision, signal);
      }
      case "page":
        return this.call(
          call,
          "/api/compose",
          { api_type: "json", to: `/r/${sub}`, subject: pageSubject(decision), text: this.pageText(decision) },
          decision,
          signal,
        );
      default:
        return assertNever(call);
    }
  }

  /** A ticket: a report with the ticket's summary, into the subreddit's modqueue. */
  report(ticket: ReviewTicket, signal: AbortSignal): Promise<HttpExchange> {
    const id = ticket.postId;
    if (!FULLNAME.test(id))
      return Promise.reject(
        new PlatformRefusalError("REDDIT_POST_ID", `postId ${JSON.stringify(id)} is not a Reddit fullname of a post (t3_…) or comment (t1_…)`),
      );
    return this.call("ticket", "/api/report", { api_type: "json", thing_id: id, reason: ticket.summary.slice(0, REPORT_REASON_LIMIT) }, ticket, signal);
  }

  private pageText(decision: Decision): string {
    const id = decision.postId;
    const link = id.startsWith("t3_")
      ? `https://www.reddit.com/comments/${id.slice(3)}`
      : `https://www.reddit.com/r/${this.settings.subreddit}/about/spam?only=comments`;
    return ["Arbiter asks a counsellor to look at this post.", "", ...decisionLines(decision).map((l) => `- ${l}`), `- link: ${link}`].join("\n");
  }

  /** One API call under the retries: waits out an exhausted rate window, refreshes the token once on a 401. */
  private call(call: string, path: string, form: Record<string, string>, decision: CallSubject, signal: AbortSignal): Promise<HttpExchange> {
    const url = `${this.settings.apiUrl.replace(/\/+$/, "")}${path}`;
    const body = new URLSearchParams(form).toString();
    const send = async (token: Token): Promise<RestResponse> => {
      await this.waitForWindow(signal);
      const response = await restCall(
        {
          method: "POST",
          url,
          headers: {
            authorization: `bearer ${token.value}`,
            "user-agent": this.settings.userAgent,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body,
          timeoutMs: this.settings.timeoutMs,
        },
        signal,
      );
      this.noteWindow(response.headers);
      return response;
    };
    const context = { postId: decision.postId, decisionId: decision.decisionId, platform: "reddit" };
    return withRetries(this.deps, call, context, signal, async () => {
      let token = await this.accessToken(signal);
      let response = await send(token);
      if (response.exchange.status === 401) {
        // The token was revoked or expired early: one fresh token, one more try.
        this.drop(token);
        token = await this.accessToken(signal);
        response = await send(token);
      }
      return checked(response);
    });
  }

  private async waitForWindow(signal: AbortSignal): Promise<void> {
    const { remaining, resetAt } = this.window;
    const waitMs = resetAt - this.now();
    if (remaining >= 1 || waitMs <= 0) return;
    this.deps.metrics.rateLimitWait.inc(waitMs / 1000);
    await this.sleep(waitMs, signal);
    // The window has ended: the next answer tells the new one.
    if (this.window.resetAt === resetAt) this.window = { remaining: Number.POSITIVE_INFINITY, resetAt: 0 };
  }

  private noteWindow(headers: Headers): void {
    const remaining = Number(headers.get("x-ratelimit-remaining") ?? Number.NaN);
    const reset = Number(headers.get("x-ratelimit-reset") ?? Number.NaN);
    if (Number.isFinite(remaining) && Number.isFinite(reset)) this.window = { remaining, resetAt: this.now() + reset * 1000 };
  }

  private drop(token: Token): void {
    if (this.token === token) this.token = null;
  }

  /** The cached access token, or a fresh one (one refresh at a time, shared by concurrent calls). */
  private async accessToken(signal: AbortSignal): Promise<Token> {
    if (this.token && this.now() < this.token.expiresAt) return this.token;
    this.refreshing ??= this.refresh(signal).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(signal: AbortSignal): Promise<Token> {
    const response = await restCall(
      {
        method: "POST",
        url: this.settings.tokenUrl,
        headers: {
          authorization: this.clientAuth,
          "user-agent": this.settings.userAgent,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: this.refreshToken }).toString(),
        timeoutMs: this.settings.timeoutMs,
      },
      signal,
    );
    this.refreshes++;
    const { status } = response.exchange;
    const answer = jsonBody(response) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    // The body of a good answer holds the token: never kept in an exchange, an error or a log.
    const exchange = { ...response.exchange, body: typeof answer?.error === "string" ? JSON.stringify({ error: answer.error }) : "" };
    if (status < 200 || status >= 300)
      throw new HttpCallError(
        exchange,
        `token refresh: HTTP ${status}${status === 400 || status === 401 ? " (check clientId, clientSecret and refreshToken)" : ""}`,
      );
    if (typeof answer?.access_token !== "string" || answer.access_token === "")
      throw new PlatformRefusalError(
        "REDDIT_TOKEN",
        `token refresh refused: ${typeof answer?.error === "string" ? answer.error : "no access_token in the answer"}`,
      );
    const lifetimeMs = (typeof answer.expires_in === "number" && answer.expires_in > 0 ? answer.expires_in : 3600) * 1000;
    // Renewed a little before it ends, so no call goes out with a token about to lapse.
    const token = { value: answer.access_token, expiresAt: this.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
    this.token = token;
    return token;
  }
}

function pageSubject(decision: Decision): string {
  return `Arbiter: counsellor asked about ${decision.postId}`.slice(0, 100);
}

/** A 2xx whose `json.errors` is empty is success; Reddit's RATELIMIT error waits; any other status or error is thrown. */
function checked(response: RestResponse): HttpExchange {
  const { exchange } = response;
  if (exchange.status < 200 || exchange.status >= 300) {
    const retryAfter = Number(response.headers.get("retry-after") ?? response.headers.get("x-ratelimit-reset") ?? Number.NaN);
    throw new HttpCallError(exchange, `HTTP ${exchange.status}`, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
  }
  const body = jsonBody(response) as { json?: { errors?: unknown; ratelimit?: unknown } } | undefined;
  const errors = Array.isArray(body?.json?.errors) ? (body.json.errors as unknown[][]) : [];
  if (errors.length === 0) return exchange;
  const [code, message] = errors[0]!;
  const what = `${String(code)}: ${String(message)}`;
  if (code === "RATELIMIT") {
    const seconds = typeof body?.json?.ratelimit === "number" ? body.json.ratelimit : undefined;
    return throwRefusal(what, true, seconds === undefined ? undefined : seconds * 1000);
  }
  return throwRefusal(what, false);
}

function throwRefusal(what: string, retriable: boolean, retryAfterMs?: number): never {
  throw new PlatformRefusalError(
    "REDDIT_API_ERROR",
    `Reddit refused the call: ${what}`,
    retryAfterMs === undefined ? { retriable } : { retriable, retryAfterMs },
  );
}

/** The adapter for one subreddit (settings validated by `redditForumSchema`). */
export function createRedditAdapter(settings: RedditForumSettings, deps: PlatformAdapterDeps, section?: string): RedditAdapter {
  return new RedditAdapter(settings, deps, section);
}
