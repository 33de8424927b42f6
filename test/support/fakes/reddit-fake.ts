import type { IncomingMessage, ServerResponse } from "node:http";
import { FakeHttpServer } from "./fake-http-server.js";

// A fake of the parts of Reddit's API the auto-hide adapter calls, over real HTTP (node:http).
// Where each shape comes from (read, not copied):
// - Token endpoint `POST /api/v1/access_token`, refresh-token grant, HTTP Basic client auth, answer
//   `{access_token, token_type: "bearer", expires_in, scope}`; a bad client answers 401, a bad grant
//   `{"error": "invalid_grant"}`: reddit's wiki "OAuth2" (github.com/reddit-archive/reddit/wiki/OAuth2).
// - `POST /api/remove` (id, spam), `POST /api/approve` (id): reddit source r2/controllers/api.py,
//   both `@noresponse` (200 `{}`, a repeat the same), scope modposts; a moderator of another
//   subreddit fails `VSrCanBan` with 403.
// - `POST /r/{sub}/api/flair` (api_type=json, link, text, css_class; empty text and css_class clear):
//   r2 api.py POST_flair, scope modflair; api_type=json answers `{"json": {"errors": []}}`.
// - `POST /api/compose` (api_type, to, subject, text; `to` of `/r/<sub>` is modmail): r2 api.py
//   POST_compose, scope privatemessages.
// - `POST /api/report` (api_type, thing_id, reason): r2 api.py POST_report, scope report; `reason`
//   is VLength(max_length=100): longer is a TOO_LONG form error (`{"json": {"errors": [["TOO_LONG",
//   …, "reason"]]}}`); the report puts the thing in the modqueue; r2/models/report.py Report.new
//   returns the earlier report for a repeat by the same account (200 again, nothing added).
// - A request without a good bearer token: 401 `{"message": "Unauthorized", "error": 401}`.
// - Rate-limit headers on every answer, X-Ratelimit-Used / -Remaining / -Reset (seconds to the
//   end of the period; Reddit sends whole seconds, the fake fractions so tests stay fast):
//   reddit's wiki "API", Rules; past the limit, 429.

export interface RedditFakeOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Lifetime of an access token, in seconds (Reddit: 86400; tests: less). */
  expiresIn?: number;
  /** Requests per rate window (Reddit: 100 a minute per client id); 0: no limit headers. */
  windowLimit?: number;
  windowSeconds?: number;
}

export interface RedditRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  authorization: string | undefined;
  userAgent: string | undefined;
  at: number;
}

export class RedditFake extends FakeHttpServer {
  readonly requests: RedditRequest[] = [];
  readonly removed = new Set<string>();
  readonly flair = new Map<string, string>();
  readonly modmail: Array<Record<string, string>> = [];
  /** The modqueue's reports: thing fullname → reason (one per account). */
  readonly reports = new Map<string, string>();
  readonly forbidden = new Set<string>();
  private readonly tokens = new Map<string, number>();
  private readonly failures: Array<{ path: string; status: number }> = [];
  private issued = 0;
  private windowStart = 0;
  private windowUsed = 0;

  constructor(private readonly options: RedditFakeOptions) {
    super();
  }

  get url(): string {
    return this.origin;
  }

  get tokensIssued(): number {
    return this.issued;
  }

  /** Every access token stops working (as a revoked grant): the next API call answers 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** The next request to `path` answers `status` (scripted outage or refusal). */
  failNext(path: string, status: number): void {
    this.failures.push({ path, status });
  }

  /** API calls only (the token endpoint excluded). */
  apiCalls(path?: string): RedditRequest[] {
    return this.requests.filter((r) => r.path !== "/api/v1/access_token" && (path === undefined || r.path === path));
  }

  protected handle(req: IncomingMessage, text: string, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const form = Object.fromEntries(new URLSearchParams(text));
    this.requests.push({
      method: req.method ?? "",
      path,
      form,
      authorization: req.headers.authorization,
      userAgent: req.headers["user-agent"],
      at: Date.now(),
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const failure = this.failures.findIndex((f) => f.path === path);
    if (failure >= 0) {
      const { status } = this.failures.splice(failure, 1)[0]!;
      send(status, { message: "scripted", error: status });
      return;
    }
    if (path === "/api/v1/access_token") return this.token(req, form, send);

    const limit = this.limitHeaders();
    if (limit.exceeded) return send(429, { message: "Too Many Requests", error: 429 }, limit.headers);
    const bearer = /^bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const expiresAt = bearer === undefined ? undefined : this.tokens.get(bearer);
    if (expiresAt === undefined || expiresAt <= Date.now()) return send(401, { message: "Unauthorized", error: 401 }, limit.headers);
    if (req.method !== "POST") return send(404, { message: "Not Found", error: 404 }, limit.headers);

    const id = form.id ?? form.link ?? form.thing_id ?? "";
    if (this.forbidden.has(id)) return send(403, { message: "Forbidden", error: 403 }, limit.headers);
    if (path === "/api/remove") {
      this.removed.add(id);
      return send(200, {}, limit.headers);
    }
    if (path === "/api/approve") {
      this.removed.delete(id);
      return send(200, {}, limit.headers);
    }
    if (/^\/r\/[A-Za-z0-9_]+\/api\/flair$/.test(path)) {
      if (!/^t3_/.test(form.link ?? "")) return send(200, { json: { errors: [["BAD_FLAIR_TARGET", "not a valid flair target", "link"]] } }, limit.headers);
      if (form.text === "" && form.css_class === "") this.flair.delete(form.link!);
      else this.flair.set(form.link!, form.text ?? "");
      return send(200, { json: { errors: [] } }, limit.headers);
    }
    if (path === "/api/report") {
      if ((form.reason ?? "").length > 100) return send(200, { json: { errors: [["TOO_LONG", "this is too long (max: 100)", "reason"]] } }, limit.headers);
      if (/^t[13]_/.test(id) && !this.reports.has(id)) this.reports.set(id, form.reason ?? "");
      return send(200, { json: { errors: [] } }, limit.headers);
    }
    if (path === "/api/compose") {
      if (!form.to?.startsWith("/r/")) return send(200, { json: { errors: [["USER_DOESNT_EXIST", "that user doesn't exist", "to"]] } }, limit.headers);
      this.modmail.push(form);
      return send(200, { json: { errors: [] } }, limit.headers);
    }
    return send(404, { message: "Not Found", error: 404 }, limit.headers);
  }

  private token(req: IncomingMessage, form: Record<string, string>, send: (status: number, body: unknown) => void): void {
    const { clientId, clientSecret, refreshToken, expiresIn = 3600 } = this.options;
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    if (req.headers.authorization !== basic) return send(401, { message: "Unauthorized", error: 401 });
    if (form.grant_type !== "refresh_token" || form.refresh_token !== refreshToken) return send(400, { error: "invalid_grant" });
    const token = `token-${++this.issued}`;
    this.tokens.set(token, Date.now() + expiresIn * 1000);
    send(200, { access_token: token, token_type: "bearer", expires_in: expiresIn, scope: "modflair modposts privatemessages read" });
  }

  private limitHeaders(): { exceeded: boolean; headers: Record<string, string> } {
    const { windowLimit = 0, windowSeconds = 60 } = this.options;
    if (windowLimit === 0) return { exceeded: false, headers: {} };
    const now = Date.now();
    if (now >= this.windowStart + windowSeconds * 1000) {
      this.windowStart = now;
      this.windowUsed = 0;
    }
    const exceeded = this.windowUsed >= windowLimit;
    if (!exceeded) this.windowUsed++;
    const reset = Math.max(0, (this.windowStart + windowSeconds * 1000 - now) / 1000);
    return {
      exceeded,
      headers: {
        "x-ratelimit-used": String(this.windowUsed),
        "x-ratelimit-remaining": String(Math.max(0, windowLimit - this.windowUsed)),
        "x-ratelimit-reset": reset.toFixed(3),
      },
    };
  }
}
