import fastifyCookie from "@fastify/cookie";
import fastifyCsrfProtection from "@fastify/csrf-protection";
import fastifyFormbody from "@fastify/formbody";
import fastifySession from "@fastify/session";
import { randomBytes, timingSafeEqual } from "node:crypto";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { ConsoleSettings } from "./console-settings.js";
import { STAGES, type Action, type Appeal, type Stage } from "../codec/records.js";
import { isRetriable } from "../errors/arbiter-error.js";
import type { RecordStore } from "../record/record-store.js";
import { postHistoryPage, recordSearchPage, type RecordQuery } from "./record-pages.js";
import type { Logger } from "../observability/logger.js";
import type { PolicySet } from "../policy/policy-set.js";
import type { Prefilter } from "../prefilter/prefilter.js";
import type { SinkMetrics } from "../sinks/sink-metrics.js";
import { CONSOLE_CSS, CONSOLE_SCRIPT } from "./console-assets.js";
import { loginPage, queuePage, ticketPage, ticketPath, type PageContext, type QueueQuery } from "./console-pages.js";
import type { ConsolePublisher } from "./console-publisher.js";
import type { ConsoleStore, QueueFilter, StoredTicket, TicketOutcome } from "./console-store.js";
import { humanDecision } from "./human-decision.js";
import { LoginThrottle } from "./login-throttle.js";
import type { ModeratorDirectory } from "./moderator-directory.js";
import type { ModeratorLog } from "./moderator-log.js";
import { RedisSessionStore } from "./redis-session-store.js";
import type { SafeHtml } from "../html/safe-html.js";
import { ticketView } from "./ticket-view.js";

declare module "fastify" {
  interface Session {
    moderator?: string;
    /** When the moderator logged in (ms): the session ends `sessionMaxHours` later. */
    loginAt?: number;
    /** The moderator's entry as it was at login ({@link ModeratorDirectory.credential}): removed or changed, the session ends. */
    credential?: string;
    /** One message for the next page (what the last answer did). */
    flash?: string;
    _csrf?: string;
  }
}

export interface ConsoleServerDeps {
  settings: ConsoleSettings;
  /** The session secret, checked: at least 32 characters. */
  sessionSecret: string;
  store: ConsoleStore;
  log: ModeratorLog;
  moderators: ModeratorDirectory;
  publisher: ConsolePublisher;
  policies: PolicySet;
  prefilter: Prefilter;
  redis: Redis;
  keyPrefix: string;
  metrics: SinkMetrics;
  logger: Logger;
  /** The store of record: the search and post-history pages (null: those pages say it is not set up). */
  record?: Pick<RecordStore, "search" | "postHistory"> | null;
  now?: () => number;
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const done: Record<TicketOutcome, string> = { confirm: "Confirmed", overturn: "Overturned", appeal: "Sent to the escalation tier" };
const outcomeEffect: Record<Action, string> = {
  ALLOW: "the post will be shown",
  HIDE: "the post will be hidden",
  BANNER: "the post will be shown under a crisis-line banner",
  REVIEW: "the post is left as it is",
};

/** Where relative paths are resolved to check them: any origin of ours would do. */
const CHECK_ORIGIN = "http://console.invalid";

/**
 * Only a path of this console: never another site, as a `next` after login could otherwise send a
 * moderator. Browsers drop tabs and newlines from URLs and read `\\` as `/`, so `/%09/evil.example`
 * would be `//evil.example`: a `next` with a control character, a space or a backslash is refused,
 * and what is left must resolve to this origin, under the console's path. The path is sent as the
 * URL parser wrote it.
 */
export function safeNext(base: string, next: unknown): string {
  const fallback = `${base}/tickets`;
  if (typeof next !== "string" || next.length > 2048 || !next.startsWith("/") || next.startsWith("//") || /[\u0000-\u0020\u007f-\u00a0\\]/.test(next))
    return fallback;
  let url: URL;
  try {
    url = new URL(next, CHECK_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== CHECK_ORIGIN || url.username !== "" || !url.pathname.startsWith(`${base}/`) || url.pathname.startsWith("//")) return fallback;
  return `${url.pathname}${url.search}`;
}

/** Cookies are Secure when set so, or else exactly when moderators reach the console over https. */
export function secureCookies(settings: Pick<ConsoleSettings, "secureCookies" | "publicUrl">): boolean {
  return settings.secureCookies ?? new URL(settings.publicUrl).protocol === "https:";
}

/** The login form's CSRF cookie: a random token, signed, checked against the form's copy; no session is stored before a login. */
const LOGIN_COOKIE = "arbiter_login";

function hoursMs(text: string): number | undefined {
  const hours = Number(text);
  return text.trim() === "" || !Number.isFinite(hours) || hours < 0 ? undefined : hours * 3_600_000;
}

/**
 * The moderator console: log in (scrypt hashes, sessions in Redis, CSRF tokens on every form), the
 * queue of open tickets (filtered by policy, forum and age), a ticket's page (the post with its
 * prefilter hits, the verdicts with their rules' text, the models' reasoning), and one-click
 * answers: confirm or overturn (a decision at stage human) or a re-run at the escalation tier
 * (an appeal). Everything rendered is escaped; nothing about a post is served without a login.
 */
export async function buildConsoleServer(deps: ConsoleServerDeps): Promise<FastifyInstance> {
  const { settings, store, metrics } = deps;
  const now = deps.now ?? Date.now;
  const base = new URL(settings.publicUrl).pathname.replace(/\/+$/, "");
  const throttle = new LoginThrottle(deps.redis, deps.keyPrefix, settings.loginThrottle);
  const secure = secureCookies(settings);
  const cookiePath = base || "/";
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "console-http" }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
  });

  await app.register(fastifyCookie, { secret: deps.sessionSecret });
  await app.register(fastifyFormbody);
  await app.register(fastifySession, {
    secret: deps.sessionSecret,
    cookieName: "arbiter_console",
    store: new RedisSessionStore(deps.redis, deps.keyPrefix, settings.sessionTtlMinutes * 60),
    saveUninitialized: false,
    rolling: true,
    cookie: { path: cookiePath, httpOnly: true, sameSite: "strict", secure, maxAge: settings.sessionTtlMinutes * 60_000 },
  });
  await app.register(fastifyCsrfProtection, { sessionPlugin: "@fastify/session" });

  app.addHook("onSend", async (request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    if (!request.url.startsWith(`${base}/static/`)) reply.header("cache-control", "no-store");
    return payload;
  });

  const context = (request: FastifyRequest, reply: FastifyReply): PageContext => ({
    base,
    moderator: request.session.moderator ?? null,
    csrf: reply.generateCsrf(),
  });
  /** The login page's context: its CSRF token lives in a signed cookie, not in a session (there is none yet). */
  const loginContext = (reply: FastifyReply): PageContext => {
    const token = randomBytes(24).toString("base64url");
    reply.setCookie(LOGIN_COOKIE, token, { path: cookiePath, httpOnly: true, sameSite: "strict", secure, signed: true, maxAge: 3600 });
    return { base, moderator: null, csrf: token };
  };
  const loginTokenValid = (request: FastifyRequest, token: unknown): boolean => {
    const raw = request.cookies[LOGIN_COOKIE];
    if (raw === undefined || typeof token !== "string") return false;
    const cookie = request.unsignCookie(raw);
    if (!cookie.valid || cookie.value === null) return false;
    const [a, b] = [Buffer.from(cookie.value), Buffer.from(token)];
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const sessionMaxMs = settings.sessionMaxHours * 3_600_000;
  /**
   * The session's moderator while the session stands: they are still listed with the same
   * password, and the login is younger than `sessionMaxHours`. Otherwise the session is ended.
   */
  const signedIn = async (request: FastifyRequest): Promise<string | null> => {
    const { moderator, credential, loginAt } = request.session;
    if (!moderator) return null;
    if (credential !== undefined && deps.moderators.credential(moderator) === credential && loginAt !== undefined && now() - loginAt < sessionMaxMs)
      return moderator;
    await request.session.destroy();
    return null;
  };
  const sendPage = (reply: FastifyReply, page: SafeHtml, status = 200) => reply.code(status).type("text/html; charset=utf-8").send(page.value);
  const takeFlash = (request: FastifyRequest): string | null => {
    const flash = request.session.flash ?? null;
    if (flash !== null) request.session.flash = undefined;
    return flash;
  };

  /** No login: a page asks for one, anything else is 401 — and nothing about a post goes out. */
  const requireModerator = async (request: FastifyRequest, reply: FastifyReply) => {
    if (await signedIn(request)) return;
    if (request.method === "GET" && !request.url.startsWith(`${base}/api/`))
      return reply.redirect(`${base}/login?next=${encodeURIComponent(request.url)}`, 302);
    return reply.code(401).send({ error: "login required" });
  };
  const guarded = { preHandler: requireModerator };
  /** Whether the signed-in moderator acts on the ticket's forum (an admin on every forum). */
  const mayAct = (request: FastifyRequest, stored: StoredTicket) => deps.moderators.mayActOn(request.session.moderator!, stored.ticket.post.forumId);
  const visible = (request: FastifyRequest, tickets: StoredTicket[]) => tickets.filter((t) => mayAct(request, t));
  const guardedForm = { preHandler: [requireModerator, app.csrfProtection] };

  app.get(`${base}/static/console.css`, (_request, reply) =>
    reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=300").send(CONSOLE_CSS),
  );
  app.get(`${base}/static/console.js`, (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=300").send(CONSOLE_SCRIPT),
  );
  app.get(base || "/", (_request, reply) => reply.redirect(`${base}/tickets`, 302));

  app.get<{ Querystring: { next?: string } }>(`${base}/login`, async (request, reply) => {
    if (await signedIn(request)) return reply.redirect(safeNext(base, request.query.next), 302);
    return sendPage(reply, loginPage(loginContext(reply), safeNext(base, request.query.next), null));
  });

  app.post<{ Body: { name?: string; password?: string; next?: string; _csrf?: string } }>(`${base}/login`, async (request, reply) => {
    if (!loginTokenValid(request, request.body?._csrf)) return reply.code(403).send({ error: "invalid login form: reload the login page" });
    const name = String(request.body?.name ?? "").slice(0, 64);
    const password = String(request.body?.password ?? "");
    const next = safeNext(base, request.body?.next);
    const address = request.ip;
    const throttled = await throttle.attempt(name, address);
    if (throttled !== "ok") {
      await deps.log.append({ moderator: name, action: "login-refused", at: now() });
      const why = throttled === "name" ? "Too many logins for this name" : "Too many logins from this address";
      return sendPage(reply, loginPage(loginContext(reply), next, `${why}: wait a few minutes.`), 429);
    }
    const moderator = await deps.moderators.authenticate(name, password);
    if (moderator === null) {
      await deps.log.append({ moderator: name, action: "login-refused", at: now() });
      return sendPage(reply, loginPage(loginContext(reply), next, "Wrong name or password."), 401);
    }
    await throttle.succeeded(name, address);
    reply.clearCookie(LOGIN_COOKIE, { path: cookiePath });
    // A new session id at login: a session id planted before it is worth nothing.
    await request.session.regenerate();
    request.session.moderator = moderator;
    request.session.loginAt = now();
    request.session.credential = deps.moderators.credential(moderator) ?? undefined;
    await deps.log.append({ moderator, action: "login", at: now() });
    metrics.moderatorActions.inc({ action: "login" });
    return reply.redirect(next, 303);
  });

  app.post(`${base}/logout`, guardedForm, async (request, reply) => {
    await deps.log.append({ moderator: request.session.moderator!, action: "logout", at: now() });
    await request.session.destroy();
    return reply.redirect(`${base}/login`, 303);
  });

  const queueFilter = (query: QueueQuery): QueueFilter => ({
    policyId: query.policy || undefined,
    forumId: query.forum.trim() || undefined,
    olderThanMs: hoursMs(query.olderThanHours),
    newerThanMs: hoursMs(query.newerThanHours),
  });
  const queueQuery = (raw: Partial<Record<keyof QueueQuery, unknown>>): QueueQuery => ({
    policy: String(raw.policy ?? ""),
    forum: String(raw.forum ?? ""),
    olderThanHours: String(raw.olderThanHours ?? ""),
    newerThanHours: String(raw.newerThanHours ?? ""),
  });

  app.get<{ Querystring: Partial<QueueQuery> }>(`${base}/tickets`, guarded, async (request, reply) => {
    const query = queueQuery(request.query);
    const tickets = visible(request, await store.openTickets(queueFilter(query), settings.queueLimit, now()));
    return sendPage(
      reply,
      queuePage(
        context(request, reply),
        tickets,
        query,
        deps.policies.policies.map((p) => p.id),
        now(),
        takeFlash(request),
      ),
    );
  });

  app.get<{ Querystring: Partial<QueueQuery> }>(`${base}/api/tickets`, guarded, async (request) => {
    const tickets = visible(request, await store.openTickets(queueFilter(queueQuery(request.query)), settings.queueLimit, now()));
    return tickets.map(({ ticket }) => ({
      ticketId: ticket.ticketId,
      postId: ticket.post.id,
      forumId: ticket.post.forumId,
      policies: ticket.verdicts.map((v) => v.policyId),
      stage: ticket.stage,
      createdAt: ticket.createdAt,
      link: ticketPath(base, ticket.ticketId),
    }));
  });

  app.get<{ Params: { id: string } }>(`${base}/api/tickets/:id`, guarded, async (request, reply) => {
    const stored = await store.ticket(request.params.id);
    return stored && mayAct(request, stored) ? stored : reply.code(404).send({ error: "no such ticket" });
  });

  const recordQuery = (raw: Partial<Record<keyof RecordQuery, unknown>>): RecordQuery => ({
    q: String(raw.q ?? ""),
    policy: String(raw.policy ?? ""),
    action: String(raw.action ?? ""),
    stage: String(raw.stage ?? ""),
    forum: String(raw.forum ?? ""),
    moderator: String(raw.moderator ?? ""),
    sinceDays: String(raw.sinceDays ?? ""),
  });
  const ACTION_VALUES = new Set(["ALLOW", "HIDE", "REVIEW", "BANNER"]);
  const STAGE_VALUES = new Set<string>(STAGES);
  /** Only forums the moderator acts on (an admin: all), as for tickets. */
  const mayReadForum = (request: FastifyRequest, forumId: string) => deps.moderators.mayActOn(request.session.moderator!, forumId);

  app.get<{ Querystring: Partial<RecordQuery> }>(`${base}/record/search`, guarded, async (request, reply) => {
    const query = recordQuery(request.query);
    const ctx = context(request, reply);
    if (!deps.record) return sendPage(reply, recordSearchPage(ctx, query, null, "The store of record is not set up for this console."), 503);
    const asked = Object.values(query).some((v) => v.trim() !== "");
    if (!asked) return sendPage(reply, recordSearchPage(ctx, query, null, null));
    const days = query.sinceDays.trim() === "" ? undefined : Number(query.sinceDays);
    if (days !== undefined && (!Number.isFinite(days) || days <= 0))
      return sendPage(reply, recordSearchPage(ctx, query, null, "Last (days) must be a positive number."), 400);
    if (query.action !== "" && !ACTION_VALUES.has(query.action)) return sendPage(reply, recordSearchPage(ctx, query, null, "No such action."), 400);
    if (query.stage !== "" && !STAGE_VALUES.has(query.stage)) return sendPage(reply, recordSearchPage(ctx, query, null, "No such stage."), 400);
    const opt = (v: string) => (v.trim() === "" ? undefined : v.trim());
    try {
      const hits = await deps.record.search({
        text: query.q,
        limit: 100,
        ...(opt(query.policy) === undefined ? {} : { policy: opt(query.policy)! }),
        ...(opt(query.action) === undefined ? {} : { action: query.action as Action }),
        ...(opt(query.stage) === undefined ? {} : { stage: query.stage as Stage }),
        ...(opt(query.forum) === undefined ? {} : { forum: opt(query.forum)! }),
        ...(opt(query.moderator) === undefined ? {} : { moderator: opt(query.moderator)! }),
        ...(days === undefined ? {} : { since: now() - days * 86_400_000 }),
      });
      return sendPage(
        reply,
        recordSearchPage(
          ctx,
          query,
          hits.filter((h) => mayReadForum(request, h.forumId)),
          null,
        ),
      );
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, "record search failed");
      return sendPage(
        reply,
        recordSearchPage(ctx, query, null, isRetriable(error) ? "The store of record does not answer; try again shortly." : "The search failed."),
        503,
      );
    }
  });

  app.get<{ Params: { id: string } }>(`${base}/record/posts/:id`, guarded, async (request, reply) => {
    const notFound = () => reply.code(404).type("text/plain; charset=utf-8").send("No such post.");
    if (!deps.record) return notFound();
    const history = await deps.record.postHistory(request.params.id);
    // Every forum the post was seen in must be the moderator's: nothing of another forum's post goes out.
    const forums = new Set([...(history.post ? [history.post.forumId] : []), ...history.decisions.map((d) => d.forumId)]);
    if (forums.size === 0 || ![...forums].every((f) => mayReadForum(request, f))) return notFound();
    return sendPage(reply, postHistoryPage(context(request, reply), request.params.id, history));
  });

  app.get<{ Params: { id: string } }>(`${base}/tickets/:id`, guarded, async (request, reply) => {
    const stored = await store.ticket(request.params.id);
    if (!stored || !mayAct(request, stored)) return reply.code(404).type("text/plain; charset=utf-8").send("No such ticket.");
    const view = ticketView(stored, await store.audits(stored.ticket.post.id), deps.policies, deps.prefilter);
    return sendPage(reply, ticketPage(context(request, reply), view, now(), takeFlash(request)));
  });

  app.post<{ Params: { id: string; answer: string }; Body: { note?: string } }>(`${base}/tickets/:id/:answer`, guardedForm, async (request, reply) => {
    const { id, answer } = request.params;
    if (answer !== "confirm" && answer !== "overturn" && answer !== "appeal") return reply.code(404).send({ error: "no such answer" });
    const stored = await store.ticket(id);
    // Another forum's ticket is as good as absent: a moderator learns nothing of it.
    if (!stored || !mayAct(request, stored)) return reply.code(404).send({ error: "no such ticket" });
    const moderator = request.session.moderator!;
    const back = () => reply.redirect(ticketPath(base, id), 303);
    if (stored.closing) {
      request.session.flash = `Already closed: ${stored.closing.outcome} by ${stored.closing.by}.`;
      return back();
    }
    const { ticket } = stored;
    const at = now();
    const note = String(request.body?.note ?? "").slice(0, 2000);
    const decision = answer === "appeal" ? null : humanDecision(ticket, answer, at, moderator);
    const appeal: Appeal | null =
      answer === "appeal"
        ? {
            appealId: `console:${ticket.ticketId}`,
            post: ticket.post,
            policyIds: [...new Set(ticket.verdicts.map((v) => v.policyId))],
            requestedBy: `moderator:${moderator}`,
            note,
            requestedAt: at,
          }
        : null;
    const recordId = decision?.decisionId ?? appeal!.appealId;
    // The post is claimed before anything is published: of two moderators answering it at once
    // (the same ticket or two tickets of the post), one wins, and the post's other open tickets
    // close with this answer.
    const closed = await store.claimPost(id, ticket.post.id, { outcome: answer, by: moderator, at, recordId, note });
    if (closed === null) {
      request.session.flash = "Another moderator answered this ticket, or another ticket of its post, first.";
      return back();
    }
    const entry = { moderator, at, ticketId: id, postId: ticket.post.id, recordId };
    try {
      // Who did it is written down before the decision goes out: no decision without its log entry.
      await deps.log.append({ ...entry, action: answer, note: note || undefined });
      if (decision) await deps.publisher.decision(decision);
      else await deps.publisher.appeal(appeal!);
    } catch (error) {
      await store.reopen(closed);
      await deps.log.append({ ...entry, action: "unpublished", at: now() }).catch(() => undefined);
      deps.logger.error({ ticketId: id, err: (error as Error).message }, "could not log or publish a moderator's answer");
      request.session.flash = "The answer could not be published; the ticket is open again. Try again.";
      return back();
    }
    metrics.moderatorActions.inc({ action: answer });
    request.session.flash = `${done[answer]}${decision ? `: ${outcomeEffect[decision.action]}` : ""} (post ${ticket.post.id}).`;
    const next = await store.nextOpen(id, (forumId) => deps.moderators.mayActOn(moderator, forumId));
    return reply.redirect(next === null ? `${base}/tickets` : ticketPath(base, next), 303);
  });

  return app;
}
