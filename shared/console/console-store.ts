import type { Redis } from "ioredis";
import type { Audit, Ticket } from "../codec/records.js";
import { StateStoreError } from "../sinks/errors/state-store-error.js";
import { ticketIdentity } from "../sinks/tickets/ticket-identity.js";

export type TicketOutcome = "confirm" | "overturn" | "appeal";

/** How a ticket was closed. */
export interface TicketClosing {
  outcome: TicketOutcome | "superseded";
  by: string;
  at: number;
  /** The human decision published (confirm, overturn) or the appeal filed. */
  recordId: string;
  note: string;
}

/** A ticket as the console keeps it. */
export interface StoredTicket {
  ticket: Ticket;
  receivedAt: number;
  closing: TicketClosing | null;
}

/** A model's reasoning about a post at one stage, from the audit topic. */
export type StoredAudit = Omit<Audit, "postId">;

export interface QueueFilter {
  policyId?: string;
  forumId?: string;
  /** Only tickets created at least this long ago (ms). */
  olderThanMs?: number;
  /** Only tickets created at most this long ago (ms). */
  newerThanMs?: number;
}

// Atomic, so a redelivered ticket, or another of the same post and policy versions, is stored once.
// Every key expires after the retention (ARGV[4], seconds); the queue drops what expired as it reads.
const ADD_TICKET = `
if redis.call("SET", KEYS[1], ARGV[1], "NX", "EX", ARGV[4]) then
  redis.call("SET", KEYS[2], ARGV[2], "EX", ARGV[4])
  redis.call("ZADD", KEYS[3], ARGV[3], ARGV[1])
  redis.call("SADD", KEYS[4], ARGV[1])
  redis.call("EXPIRE", KEYS[4], ARGV[4])
  return 1
end
return 0`;

// Claims the post: closes the ticket only while it is open, and with it every other open ticket
// of the same post (superseded), in one step. So two moderators can never answer two tickets of
// one post, in opposite ways or at all: the second finds its ticket closed. Returns the ids
// closed (the ticket first), or nothing when the ticket was not open. The other tickets' closing
// keys are built from ARGV[5] (one Redis, as the console's store assumes throughout).
const CLAIM_POST = `
if redis.call("EXISTS", KEYS[1]) == 0 then return false end
if not redis.call("SET", KEYS[2], ARGV[2], "NX", "EX", ARGV[3]) then return false end
redis.call("ZREM", KEYS[3], ARGV[1])
local closed = { ARGV[1] }
for _, id in ipairs(redis.call("SMEMBERS", KEYS[4])) do
  if id ~= ARGV[1] and redis.call("ZSCORE", KEYS[3], id) then
    if redis.call("SET", ARGV[5] .. id, ARGV[4], "NX", "EX", ARGV[3]) then
      redis.call("ZREM", KEYS[3], id)
      closed[#closed + 1] = id
    end
  end
end
return closed`;

/**
 * The console's own store in Redis (under `<prefix>console:`): tickets from the tickets topic
 * (one per post and policy version), the open queue by creation time, each post's tickets, and
 * the models' reasoning from the audit topic (with a TTL).
 */
export class ConsoleStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly auditTtlSeconds: number,
    /** How long a ticket, its closing and its post's ticket list are kept (`console.retentionDays`). */
    private readonly retentionSeconds: number,
  ) {
    this.prefix = `${keyPrefix}console:`;
  }

  private async guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new StateStoreError(operation, error as Error);
    }
  }

  private ticketKey(ticketId: string): string {
    return `${this.prefix}ticket:${ticketId}`;
  }

  private get openKey(): string {
    return `${this.prefix}open`;
  }

  /** Stores a new ticket as open; false when it (or its twin: same post and policy versions) is already there. */
  private closingKey(ticketId: string): string {
    return `${this.prefix}closing:${ticketId}`;
  }

  addTicket(ticket: Ticket, now: number): Promise<boolean> {
    const stored: Omit<StoredTicket, "closing"> = { ticket, receivedAt: now };
    const keys = [
      `${this.prefix}identity:${ticketIdentity(ticket)}`,
      this.ticketKey(ticket.ticketId),
      this.openKey,
      `${this.prefix}post:${ticket.post.id}:tickets`,
    ];
    return this.guarded(
      `storing ticket ${ticket.ticketId}`,
      async () =>
        (await this.redis.eval(ADD_TICKET, keys.length, ...keys, ticket.ticketId, JSON.stringify(stored), ticket.createdAt, this.retentionSeconds)) === 1,
    );
  }

  ticket(ticketId: string): Promise<StoredTicket | null> {
    return this.guarded(`reading ticket ${ticketId}`, async () => {
      const [raw, closing] = await this.redis.mget(this.ticketKey(ticketId), this.closingKey(ticketId));
      return raw === null || raw === undefined
        ? null
        : { ...(JSON.parse(raw) as Omit<StoredTicket, "closing">), closing: closing ? (JSON.parse(closing) as TicketClosing) : null };
    });
  }

  /** Open tickets, oldest first, filtered; reads at most `limit` of the queue. */
  openTickets(filter: QueueFilter, limit: number, now: number): Promise<StoredTicket[]> {
    return this.guarded("reading the queue", async () => {
      const max = filter.olderThanMs === undefined ? "+inf" : String(now - filter.olderThanMs);
      const min = filter.newerThanMs === undefined ? "-inf" : String(now - filter.newerThanMs);
      const ids = await this.redis.zrangebyscore(this.openKey, min, max, "LIMIT", 0, limit);
      if (ids.length === 0) return [];
      const raws = await this.redis.mget(ids.map((id) => this.ticketKey(id)));
      // A ticket kept past the retention has expired: it leaves the queue too.
      const expired = ids.filter((_, i) => raws[i] === null);
      if (expired.length > 0) await this.redis.zrem(this.openKey, ...expired);
      return raws
        .flatMap((raw): StoredTicket[] => (raw === null ? [] : [{ ...(JSON.parse(raw) as Omit<StoredTicket, "closing">), closing: null }]))
        .filter(
          ({ ticket }) =>
            (filter.forumId === undefined || ticket.post.forumId === filter.forumId) &&
            (filter.policyId === undefined || ticket.verdicts.some((v) => v.policyId === filter.policyId)),
        );
    });
  }

  /** The open ticket after `ticketId` in queue order (the next one to work) of a forum `mayAct` allows, if any among the first 100. */
  nextOpen(ticketId: string, mayAct: (forumId: string) => boolean = () => true): Promise<string | null> {
    return this.guarded("reading the queue", async () => {
      const ids = (await this.redis.zrange(this.openKey, 0, 100)).filter((id) => id !== ticketId);
      if (ids.length === 0) return null;
      const raws = await this.redis.mget(ids.map((id) => this.ticketKey(id)));
      const index = raws.findIndex((raw) => raw !== null && mayAct((JSON.parse(raw) as Omit<StoredTicket, "closing">).ticket.post.forumId));
      return index < 0 ? null : ids[index]!;
    });
  }

  /**
   * Claims the ticket's post for one answer: closes the ticket with `closing` and the post's other
   * open tickets as superseded by it, atomically. The ids closed (the ticket first), or null when
   * the ticket was not open (another moderator answered it, or another ticket of its post, first).
   */
  claimPost(ticketId: string, postId: string, closing: TicketClosing): Promise<string[] | null> {
    const superseded: TicketClosing = { ...closing, outcome: "superseded", note: "" };
    const keys = [this.ticketKey(ticketId), this.closingKey(ticketId), this.openKey, `${this.prefix}post:${postId}:tickets`];
    return this.guarded(`closing ticket ${ticketId}`, async () => {
      const closed = await this.redis.eval(
        CLAIM_POST,
        keys.length,
        ...keys,
        ticketId,
        JSON.stringify(closing),
        this.retentionSeconds,
        JSON.stringify(superseded),
        this.closingKey(""),
      );
      return Array.isArray(closed) ? (closed as string[]) : null;
    });
  }

  /** Opens tickets again (their answer could not be published). */
  reopen(ticketIds: readonly string[]): Promise<void> {
    return this.guarded(`reopening tickets ${ticketIds.join(", ")}`, async () => {
      for (const ticketId of ticketIds) {
        const stored = await this.ticket(ticketId);
        if (!stored) continue;
        await this.redis.multi().del(this.closingKey(ticketId)).zadd(this.openKey, stored.ticket.createdAt, ticketId).exec();
      }
    });
  }

  addAudit(audit: Audit): Promise<void> {
    const { postId, ...stored } = audit;
    const key = `${this.prefix}audit:${postId}`;
    return this.guarded(
      `storing the audit of post ${postId}`,
      async () => void (await this.redis.multi().hset(key, audit.decisionId, JSON.stringify(stored)).expire(key, this.auditTtlSeconds).exec()),
    );
  }

  /** The post's audit records, oldest first. */
  audits(postId: string): Promise<StoredAudit[]> {
    return this.guarded(`reading the audits of post ${postId}`, async () =>
      Object.values(await this.redis.hgetall(`${this.prefix}audit:${postId}`))
        .map((raw) => JSON.parse(raw) as StoredAudit)
        .sort((a, b) => a.createdAt - b.createdAt),
    );
  }
}
