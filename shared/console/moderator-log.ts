import type { Redis } from "ioredis";
import { StateStoreError } from "../sinks/errors/state-store-error.js";

/** One thing a moderator did. */
export interface ModeratorAction {
  moderator: string;
  /** `unpublished`: the answer logged before it could not be published after all (its tickets are open again). */
  action: "login" | "login-refused" | "logout" | "confirm" | "overturn" | "appeal" | "unpublished";
  at: number;
  ticketId?: string;
  postId?: string;
  /** The human decision or appeal published. */
  recordId?: string;
  note?: string;
}

/**
 * Who did what and when, as a Redis stream (`<prefix>console:log`), trimmed to about `maxEntries`
 * (the oldest go first): the record of moderators' actions (run Redis with AOF for it to outlive
 * a restart). The decisions themselves are on Kafka.
 */
export class ModeratorLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly maxEntries: number,
  ) {
    this.key = `${keyPrefix}console:log`;
  }

  async append(entry: ModeratorAction): Promise<void> {
    const fields = Object.entries(entry).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    try {
      await this.redis.xadd(this.key, "MAXLEN", "~", this.maxEntries, "*", ...fields);
    } catch (error) {
      throw new StateStoreError("appending to the moderator log", error as Error);
    }
  }

  /** The latest entries, newest first. */
  async latest(count: number): Promise<ModeratorAction[]> {
    const entries = await this.redis.xrevrange(this.key, "+", "-", "COUNT", count);
    return entries.map(([, fields]) => {
      const entry: Record<string, string | number> = {};
      for (let i = 0; i < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
      entry.at = Number(entry.at);
      return entry as unknown as ModeratorAction;
    });
  }
}
