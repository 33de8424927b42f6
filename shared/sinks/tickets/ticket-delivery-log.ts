import type { Redis } from "ioredis";
import type { Ticket } from "../../codec/records.js";
import { StateStoreError } from "../errors/state-store-error.js";
import { ticketIdentity } from "./ticket-identity.js";

/** `platform`: the review queue of the post's platform (`tickets.platformQueues`). */
export type TicketChannel = "webhook" | "platform" | "stream";

// Atomic: the stream entry is added only by the delivery that marks the ticket delivered.
const ADD_ONCE = `if redis.call("SET", KEYS[1], ARGV[1], "NX", "EX", ARGV[2]) then return redis.call("XADD", KEYS[2], "*", "ticket", ARGV[3]) end return false`;

/** Which tickets went where (Redis, one key per ticket identity and channel, with a TTL): one ticket per post and policy version. */
export class TicketDeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(ticket: Ticket, channel: TicketChannel): string {
    return `${this.keyPrefix}tickets:delivered:${channel}:${ticketIdentity(ticket)}`;
  }

  async delivered(ticket: Ticket, channel: TicketChannel): Promise<boolean> {
    try {
      return (await this.redis.exists(this.key(ticket, channel))) === 1;
    } catch (error) {
      throw new StateStoreError(`reading the delivery of ticket ${ticket.ticketId}`, error as Error);
    }
  }

  /** Marks the ticket handled on a channel (delivered, or refused for good and dead-lettered). */
  async remember(ticket: Ticket, channel: TicketChannel): Promise<void> {
    try {
      await this.redis.set(this.key(ticket, channel), ticket.ticketId, "EX", this.ttlSeconds);
    } catch (error) {
      throw new StateStoreError(`saving the delivery of ticket ${ticket.ticketId}`, error as Error);
    }
  }

  /** Adds the ticket to the stream unless it is already there; false when it was. */
  async addToStream(ticket: Ticket, stream: string, payload: string): Promise<boolean> {
    try {
      const id = await this.redis.eval(ADD_ONCE, 2, this.key(ticket, "stream"), `${this.keyPrefix}${stream}`, ticket.ticketId, this.ttlSeconds, payload);
      return id !== null;
    } catch (error) {
      throw new StateStoreError(`adding ticket ${ticket.ticketId} to the stream`, error as Error);
    }
  }
}
