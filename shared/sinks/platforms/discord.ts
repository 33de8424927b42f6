import { createHash } from "node:crypto";
import type { Decision, HttpExchange } from "../../codec/records.js";
import { assertNever } from "../../errors/assert-never.js";
import { abortableSleep } from "../../retry/abortable-sleep.js";
import { resolveSecret } from "../../settings/transport-security.js";
import type { ForumCall } from "../auto-hide/post-action-plan.js";
import { HttpCallError } from "../errors/http-call-error.js";
import type { DiscordForumSettings } from "./discord-settings.js";
import { PlatformRefusalError } from "./errors/platform-refusal-error.js";
import { decisionLines } from "./moderator-notice.js";
import type { CallSubject, PlatformAdapter, ReviewTicket } from "./platform-adapter.js";
import { jsonBody, restCall, withRetries, type PlatformAdapterDeps, type RestResponse } from "./rest-call.js";

// Discord's HTTP API as the auto-hide sink drives it. Sources (discord/discord-api-docs, read, not copied):
// - resources/message: Create Message `POST /channels/{channel.id}/messages` (content ≤ 2000,
//   `message_reference`, `allowed_mentions`, `nonce` + `enforce_nonce` to drop a repeat), Delete
//   Message `DELETE /channels/{channel.id}/messages/{message.id}` (204; MANAGE_MESSAGES for another's
//   message; `X-Audit-Log-Reason`), Get Channel Message (READ_MESSAGE_HISTORY).
// - reference: `Authorization: Bot <token>`, `User-Agent: DiscordBot ($url, $versionNumber)`, API v10.
// - topics/rate-limits: X-RateLimit-Remaining / -Reset-After / -Bucket (per route, per top-level
//   resource: the channel), 429 with JSON `{message, retry_after (float seconds), global}`.
// - topics/opcodes-and-status-codes, JSON error codes: 10008 Unknown Message, 10003 Unknown Channel,
//   50013 Missing Permissions; error bodies `{message, code}`.

/** How a Discord post id carries the message: `<channel id>:<message id>` (both snowflakes). */
const POST_ID = /^([0-9]{1,20}):([0-9]{1,20})$/;
const UNKNOWN_MESSAGE = 10008;

/** Where a Discord post lives, from the decision's post id. */
export function discordMessageOf(postId: string): { channelId: string; messageId: string } {
  const match = POST_ID.exec(postId);
  if (!match) throw new PlatformRefusalError("DISCORD_POST_ID", `postId ${JSON.stringify(postId)} is not a Discord message as <channel id>:<message id>`);
  return { channelId: match[1]!, messageId: match[2]! };
}

interface Bucket {
  remaining: number;
  resetAt: number;
}

interface Route {
  /** The route with its ids left out but the top-level one (the channel), as Discord keys its limits. */
  key: string;
  channelId: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The auto-hide sink's calls on one Discord server. A delete cannot be undone on Discord, so a
 * model's HIDE raises a ticket in the moderators' channel and only a moderator's HIDE deletes; an
 * undo after a delete is reported there, not attempted. Nothing here times a member out.
 */
export class DiscordAdapter implements PlatformAdapter {
  readonly platform = "discord" as const;
  private readonly authorization: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Route key → the bucket Discord named for it (X-RateLimit-Bucket). */
  private readonly bucketOf = new Map<string, string>();
  /** Bucket (with its channel) → what is left in it. */
  private readonly buckets = new Map<string, Bucket>();
  private globalUntil = 0;

  constructor(
    private readonly settings: DiscordForumSettings,
    private readonly deps: PlatformAdapterDeps,
    section = "discord",
  ) {
    this.authorization = `Bot ${resolveSecret(settings.botToken, `${section}.botToken`)}`;
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? abortableSleep;
  }

  async perform(call: ForumCall, decision: Decision, signal: AbortSignal): Promise<HttpExchange> {
    const message = discordMessageOf(decision.postId);
    const human = decision.stage === "human";
    switch (call) {
      case "hide":
        // Only a moderator's word deletes: a model's HIDE is a ticket for the moderators.
        return human
          ? this.deleteMessage(decision, message, signal)
          : this.notify(call, decision, "A model would hide this message. Arbiter does not delete on a model's word: please review it.", signal);
      case "unhide":
        return this.unhide(decision, message, signal);
      case "banner":
        return this.send(
          call,
          decision,
          {
            key: "POST /channels/{channel}/messages",
            channelId: message.channelId,
            method: "POST",
            path: `/channels/${message.channelId}/messages`,
            body: {
              content: this.settings.bannerText,
              message_reference: { message_id: message.messageId, channel_id: message.channelId, fail_if_not_exists: false },
              allowed_mentions: { parse: [] },
              ...nonce(`${decision.decisionId}:${call}`),
            },
          },
          signal,
        );
      case "unbanner":
        return this.notify(
          call,
          decision,
          "The banner is no longer asked for. Arbiter keeps no record of its reply's id: delete the banner reply under the message by hand.",
          signal,
        );
      case "page":
        return this.notify(call, decision, "A counsellor is asked to look at this message.", signal, this.settings.pagerRoleId);
      default:
        return assertNever(call);
    }
  }

  private link(message: { channelId: string; messageId: string }): string {
    return `https://discord.com/channels/${this.settings.guildId}/${message.channelId}/${message.messageId}`;
  }

  private deleteMessage(decision: Decision, message: { channelId: string; messageId: string }, signal: AbortSignal): Promise<HttpExchange> {
    return this.send(
      "hide",
      decision,
      {
        key: "DELETE /channels/{channel}/messages/{id}",
        channelId: message.channelId,
        method: "DELETE",
        path: `/channels/${message.channelId}/messages/${message.messageId}`,
        headers: { "x-audit-log-reason": encodeURIComponent(`Arbiter: moderator decision ${decision.decisionId}`) },
      },
      signal,
      { goneIsDone: true },
    );
  }

  /**
   * An undo. A model's (its HIDE only raised a ticket) withdraws the ticket. A moderator's: the
   * message is looked up; still there, nothing was deleted; gone, the delete cannot be undone,
   * which is said in the moderators' channel and logged, and the call ends there (no retry loop).
   */
  private async unhide(decision: Decision, message: { channelId: string; messageId: string }, signal: AbortSignal): Promise<HttpExchange> {
    if (decision.stage !== "human") return this.notify("unhide", decision, "The model no longer asks to hide this message: the ticket can be closed.", signal);
    const lookup = await this.send(
      "unhide",
      decision,
      {
        key: "GET /channels/{channel}/messages/{id}",
        channelId: message.channelId,
        method: "GET",
        path: `/channels/${message.channelId}/messages/${message.messageId}`,
      },
      signal,
      { goneIsDone: true },
    );
    if (lookup.status >= 200 && lookup.status < 300)
      return this.notify("unhide", decision, "A moderator decided this message stays up. It was never deleted: nothing to undo.", signal);
    this.deps.logger.warn(
      { postId: decision.postId, decisionId: decision.decisionId, platform: "discord" },
      "a moderator's unhide cannot be done: the message was deleted",
    );
    return this.notify(
      "unhide",
      decision,
      "A moderator overturned the hide, but the message was deleted and Discord cannot restore it. Ask the author to post it again if it should be seen.",
      signal,
    );
  }

  /** A message to the moderators' channel: what happened, the ids, the policies and a link, never the post's text. */
  private notify(call: ForumCall, decision: Decision, headline: string, signal: AbortSignal, roleId?: string): Promise<HttpExchange> {
    const mention = roleId === undefined ? "" : `<@&${roleId}> `;
    const lines = [`${mention}**Arbiter** (${call}): ${headline}`, ...decisionLines(decision).map((l) => `- ${l}`)];
    return this.postToModerators(call, decision, lines, nonce(`${decision.decisionId}:${call}`), signal, roleId);
  }

  /**
   * A ticket: Discord has no review queue, so it is a message in the moderators' channel (as a
   * model's HIDE is), with the ticket's summary, policies and console link and a link to the message.
   */
  report(ticket: ReviewTicket, signal: AbortSignal): Promise<HttpExchange> {
    const lines = ["**Arbiter** (ticket): a moderator's review is asked for.", ...ticket.lines.map((l) => `- ${l}`)];
    return this.postToModerators("ticket", ticket, lines, nonce(`${ticket.identity}:ticket`), signal);
  }

  private postToModerators(
    call: string,
    subject: CallSubject,
    lines: string[],
    once: { nonce: string; enforce_nonce: true },
    signal: AbortSignal,
    roleId?: string,
  ): Promise<HttpExchange> {
    const message = discordMessageOf(subject.postId);
    const content = [...lines, `- link: ${this.link(message)}`].join("\n").slice(0, 2000);
    const channelId = this.settings.moderatorChannelId;
    return this.send(
      call,
      subject,
      {
        key: "POST /channels/{channel}/messages",
        channelId,
        method: "POST",
        path: `/channels/${channelId}/messages`,
        body: { content, allowed_mentions: roleId === undefined ? { parse: [] } : { parse: [], roles: [roleId] }, ...once },
      },
      signal,
    );
  }

  /** One API call under the retries and the rate limits; `goneIsDone`: 404 Unknown Message is an answer, not an error. */
  private send(call: string, decision: CallSubject, route: Route, signal: AbortSignal, options: { goneIsDone?: boolean } = {}): Promise<HttpExchange> {
    const context = { postId: decision.postId, decisionId: decision.decisionId, platform: "discord" };
    const headers: Record<string, string> = {
      authorization: this.authorization,
      "user-agent": this.settings.userAgent,
      accept: "application/json",
      ...route.headers,
    };
    if (route.body !== undefined) headers["content-type"] = "application/json";
    return withRetries(this.deps, call, context, signal, async () => {
      await this.waitForRoute(route, signal);
      const response = await restCall(
        {
          method: route.method,
          url: `${this.settings.apiUrl.replace(/\/+$/, "")}${route.path}`,
          headers,
          ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
          timeoutMs: this.settings.timeoutMs,
        },
        signal,
      );
      this.note(route, response);
      const { exchange } = response;
      if (exchange.status >= 200 && exchange.status < 300) return exchange;
      const error = jsonBody(response) as { code?: unknown; message?: unknown; retry_after?: unknown; global?: unknown } | undefined;
      if (options.goneIsDone && exchange.status === 404 && error?.code === UNKNOWN_MESSAGE) return exchange;
      const detail = `HTTP ${exchange.status}${typeof error?.code === "number" ? ` (Discord ${error.code}: ${String(error.message)})` : ""}`;
      throw new HttpCallError(exchange, detail, exchange.status === 429 ? this.retryAfterMs(route, response, error) : undefined);
    });
  }

  private bucketKey(route: Route): string | undefined {
    const bucket = this.bucketOf.get(route.key);
    return bucket === undefined ? undefined : `${bucket}:${route.channelId}`;
  }

  /** Waits while the global limit or the route's bucket says no call may go now. */
  private async waitForRoute(route: Route, signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = this.bucketKey(route);
      const bucket = key === undefined ? undefined : this.buckets.get(key);
      const now = this.now();
      const until = Math.max(this.globalUntil, bucket !== undefined && bucket.remaining < 1 ? bucket.resetAt : 0);
      if (until <= now) {
        // Counted at once, so calls started together do not all take the last one.
        if (bucket !== undefined && bucket.resetAt > now) bucket.remaining--;
        return;
      }
      this.deps.metrics.rateLimitWait.inc((until - now) / 1000);
      await this.sleep(until - now, signal);
      if (bucket !== undefined && key !== undefined && this.buckets.get(key) === bucket && bucket.resetAt <= this.now()) this.buckets.delete(key);
    }
  }

  /** Learns the route's bucket and what is left in it from the answer's headers. */
  private note(route: Route, response: RestResponse): void {
    const { headers } = response;
    const name = headers.get("x-ratelimit-bucket");
    if (name !== null) this.bucketOf.set(route.key, name);
    const key = this.bucketKey(route);
    const remaining = Number(headers.get("x-ratelimit-remaining") ?? Number.NaN);
    const resetAfter = Number(headers.get("x-ratelimit-reset-after") ?? Number.NaN);
    if (key !== undefined && Number.isFinite(remaining) && Number.isFinite(resetAfter))
      this.buckets.set(key, { remaining, resetAt: this.now() + resetAfter * 1000 });
  }

  /** A 429's wait: `retry_after` (seconds, float) from the body, else Retry-After; a global one holds every route, another the route's bucket. */
  private retryAfterMs(route: Route, response: RestResponse, body: { retry_after?: unknown; global?: unknown } | undefined): number | undefined {
    const seconds = typeof body?.retry_after === "number" ? body.retry_after : Number(response.headers.get("retry-after") ?? Number.NaN);
    if (!Number.isFinite(seconds)) return undefined;
    const ms = Math.max(0, seconds * 1000);
    const until = this.now() + ms;
    if (body?.global === true || response.headers.get("x-ratelimit-global") === "true") this.globalUntil = Math.max(this.globalUntil, until);
    else {
      const key = this.bucketKey(route);
      if (key !== undefined) this.buckets.set(key, { remaining: 0, resetAt: Math.max(until, this.buckets.get(key)?.resetAt ?? 0) });
    }
    return ms;
  }
}

/** A nonce Discord checks for a few minutes (`enforce_nonce`): a retried post after a lost answer is not posted twice. */
function nonce(key: string): { nonce: string; enforce_nonce: true } {
  return { nonce: createHash("sha256").update(key).digest("base64url").slice(0, 25), enforce_nonce: true };
}

/** The adapter for one Discord server (settings validated by `discordForumSchema`). */
export function createDiscordAdapter(settings: DiscordForumSettings, deps: PlatformAdapterDeps, section?: string): DiscordAdapter {
  return new DiscordAdapter(settings, deps, section);
}
