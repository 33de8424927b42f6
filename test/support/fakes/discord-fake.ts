import type { IncomingMessage, ServerResponse } from "node:http";
import { FakeHttpServer } from "./fake-http-server.js";

// A fake of the parts of Discord's HTTP API the auto-hide adapter calls, over real HTTP (node:http).
// Where each shape comes from (discord/discord-api-docs, read, not copied):
// - `Authorization: Bot <token>`; without it 401 `{"message": "401: Unauthorized", "code": 0}`:
//   reference.md, Authentication.
// - Create Message `POST /channels/{channel.id}/messages` → 200 and a message object (id, channel_id,
//   content, message_reference, nonce…); `nonce` with `enforce_nonce: true` returns the earlier
//   message instead of posting again: resources/message.md.
// - Get Channel Message `GET /channels/{channel.id}/messages/{message.id}` → 200 message;
//   Delete Message `DELETE …/messages/{message.id}` → 204; a message that is not there answers 404
//   `{"message": "Unknown Message", "code": 10008}`: resources/message.md and
//   topics/opcodes-and-status-codes.md (JSON error codes).
// - Rate limits: every answer carries X-RateLimit-Limit / -Remaining / -Reset / -Reset-After /
//   -Bucket, per route and per channel (the top-level resource); past the limit, 429 with
//   `{message, retry_after (float seconds), global}` plus Retry-After and X-RateLimit-Scope; a
//   global limit adds X-RateLimit-Global: topics/rate-limits.md.

export interface DiscordFakeOptions {
  botToken: string;
  /** Requests per bucket window, per route and channel. */
  bucketLimit?: number;
  /** Window of a bucket, in seconds (fractions keep tests fast). */
  bucketSeconds?: number;
}

export interface DiscordRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  headers: IncomingMessage["headers"];
  at: number;
  /** The answer's status. */
  status?: number;
}

interface Message {
  id: string;
  channel_id: string;
  content: string;
  nonce?: string;
  message_reference?: unknown;
}

export class DiscordFake extends FakeHttpServer {
  readonly requests: DiscordRequest[] = [];
  /** Channel id → message id → message. */
  private readonly channels = new Map<string, Map<string, Message>>();
  private readonly windows = new Map<string, { start: number; used: number }>();
  private readonly scripted: Array<{ path: RegExp; status: number; body: unknown; headers: Record<string, string> }> = [];
  private nextId = 900_000_000_000_000_000n;

  constructor(private readonly options: DiscordFakeOptions) {
    super();
  }

  get url(): string {
    return `${this.origin}/api/v10`;
  }

  addMessage(channelId: string, messageId: string, content = "a post"): void {
    this.channel(channelId).set(messageId, { id: messageId, channel_id: channelId, content });
  }

  has(channelId: string, messageId: string): boolean {
    return this.channel(channelId).has(messageId);
  }

  messages(channelId: string): Message[] {
    return [...this.channel(channelId).values()];
  }

  /** The next request whose path matches answers a 429 with `retry_after` seconds (global or not). */
  rateLimitNext(path: RegExp, retryAfter: number, global: boolean): void {
    const headers: Record<string, string> = { "retry-after": String(Math.ceil(retryAfter)), "x-ratelimit-scope": global ? "global" : "user" };
    if (global) headers["x-ratelimit-global"] = "true";
    this.scripted.push({ path, status: 429, body: { message: "You are being rate limited.", retry_after: retryAfter, global }, headers });
  }

  /** The next request whose path matches answers `status` with a Discord error body. */
  failNext(path: RegExp, status: number, code: number, message: string): void {
    this.scripted.push({ path, status, body: { message, code }, headers: {} });
  }

  calls(method: string, path?: RegExp): DiscordRequest[] {
    return this.requests.filter((r) => r.method === method && (path === undefined || path.test(r.path)));
  }

  private channel(id: string): Map<string, Message> {
    let channel = this.channels.get(id);
    if (!channel) this.channels.set(id, (channel = new Map()));
    return channel;
  }

  protected handle(req: IncomingMessage, text: string, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://fake").pathname.replace(/^\/api\/v10/, "");
    const method = req.method ?? "";
    const entry: DiscordRequest = {
      method,
      path,
      body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
      headers: req.headers,
      at: Date.now(),
    };
    this.requests.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      if (status === 204) res.writeHead(204, headers).end();
      else res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bot ${this.options.botToken}`) return send(401, { message: "401: Unauthorized", code: 0 });

    const messageRoute = /^\/channels\/([0-9]+)\/messages(?:\/([0-9]+))?$/.exec(path);
    if (!messageRoute) return send(404, { message: "404: Not Found", code: 0 });
    const [, channelId, messageId] = messageRoute as unknown as [string, string, string | undefined];
    // Discord's buckets: one per route (method and path shape) and top-level resource (the channel).
    const bucket = `${method === "POST" ? "create" : method === "DELETE" ? "delete" : "get"}-${messageId === undefined ? "list" : "one"}`;
    const limit = this.limit(bucket, channelId);

    const scripted = this.scripted.findIndex((s) => s.path.test(path));
    if (scripted >= 0) {
      const [s] = this.scripted.splice(scripted, 1);
      return send(s!.status, s!.body, { ...limit.headers, ...s!.headers });
    }
    if (limit.exceeded) {
      const retryAfter = Number(limit.headers["x-ratelimit-reset-after"]);
      return send(
        429,
        { message: "You are being rate limited.", retry_after: retryAfter, global: false },
        { ...limit.headers, "retry-after": String(Math.ceil(retryAfter)), "x-ratelimit-scope": "user" },
      );
    }
    const channel = this.channel(channelId);
    const unknown = () => send(404, { message: "Unknown Message", code: 10008 }, limit.headers);
    if (method === "POST" && messageId === undefined) {
      const body = entry.body ?? {};
      const content = typeof body.content === "string" ? body.content : "";
      if (content === "" || content.length > 2000) return send(400, { message: "Invalid Form Body", code: 50035 }, limit.headers);
      const nonce = typeof body.nonce === "string" ? body.nonce : undefined;
      const earlier = body.enforce_nonce === true && nonce !== undefined ? [...channel.values()].find((m) => m.nonce === nonce) : undefined;
      if (earlier) return send(200, earlier, limit.headers);
      const message: Message = {
        id: String(this.nextId++),
        channel_id: channelId,
        content,
        ...(nonce === undefined ? {} : { nonce }),
        message_reference: body.message_reference,
      };
      channel.set(message.id, message);
      return send(200, message, limit.headers);
    }
    if (method === "GET" && messageId !== undefined) {
      const message = channel.get(messageId);
      return message ? send(200, message, limit.headers) : unknown();
    }
    if (method === "DELETE" && messageId !== undefined) {
      if (!channel.delete(messageId)) return unknown();
      return send(204, undefined, limit.headers);
    }
    return send(405, { message: "405: Method Not Allowed", code: 0 }, limit.headers);
  }

  private limit(bucket: string, channelId: string): { exceeded: boolean; headers: Record<string, string> } {
    const { bucketLimit = 5, bucketSeconds = 1 } = this.options;
    const key = `${bucket}:${channelId}`;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now >= window.start + bucketSeconds * 1000) this.windows.set(key, (window = { start: now, used: 0 }));
    const exceeded = window.used >= bucketLimit;
    if (!exceeded) window.used++;
    const resetAt = window.start + bucketSeconds * 1000;
    return {
      exceeded,
      headers: {
        "x-ratelimit-limit": String(bucketLimit),
        "x-ratelimit-remaining": String(bucketLimit - window.used),
        "x-ratelimit-reset": (resetAt / 1000).toFixed(3),
        "x-ratelimit-reset-after": Math.max(0, (resetAt - now) / 1000).toFixed(3),
        "x-ratelimit-bucket": `fake-${bucket}`,
      },
    };
  }
}
