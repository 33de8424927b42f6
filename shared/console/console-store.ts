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

// Closes a ticket only while it is open: two moderators cannot both decide it.
const CLOSE_TICKET = `
if redis.call("EXISTS", KEYS[1]) == 0 then return 0 end
if not redis.call("SET", KEYS[2], ARGV[2], "NX", "EX", ARGV[3]) then return 0 end
redis.call("ZREM", KEYS[3], ARGV[1])
return 1`;

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

  /** Closes an open ticket; false when it was not open (another moderator was quicker). */
  close(ticketId: string, closing: TicketClosing): Promise<boolean> {
    return this.guarded(
      `closing ticket ${ticketId}`,
      async () =>
        (await this.redis.eval(
          CLOSE_TICKET,
          3,
          this.ticketKey(ticketId),
          this.closingKey(ticketId),
          this.openKey,
          ticketId,
          JSON.stringify(closing),
          this.retentionSeconds,
        )) === 1,
    );
  }

  /** Opens a ticket again (its decision could not be published). */
  reopen(ticketId: string): Promise<void> {
    return this.guarded(`reopening ticket ${ticketId}`, async () => {
      const stored = await this.ticket(ticketId);
      if (!stored) return;
      await this.redis.multi().del(this.closingKey(ticketId)).zadd(this.openKey, stored.ticket.createdAt, ticketId).exec();
    });
  }

  /** The post's other tickets that are still open. */
  openTicketsOfPost(postId: string, except: string): Promise<string[]> {
    return this.guarded(`reading the tickets of post ${postId}`, async () => {
      const ids = (await this.redis.smembers(`${this.prefix}post:${postId}:tickets`)).filter((id) => id !== except);
      if (ids.length === 0) return [];
      const scores = await Promise.all(ids.map((id) => this.redis.zscore(this.openKey, id)));
      return ids.filter((_, i) => scores[i] !== null);
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
