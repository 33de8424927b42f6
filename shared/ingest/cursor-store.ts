import type { Redis } from "ioredis";

/** A poller's durable position: the highest item sequence (a listing's id order) it has produced. */
export interface CursorStore {
  get(key: string): Promise<number | null>;
  /** Moves the cursor forward to `seq`; a lower value leaves it where it is. */
  advance(key: string, seq: number): Promise<void>;
}

// Only forward: two pollers of one listing (a rolling deploy) never move it back.
const ADVANCE = `local cur = redis.call('GET', KEYS[1])
if cur == false or tonumber(cur) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

/** Cursors in Redis under `redis.keyPrefix` + `ingest.cursorPrefix`, kept without expiry. */
export class RedisCursorStore implements CursorStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<number | null> {
    const value = await this.redis.get(this.prefix + key);
    if (value === null) return null;
    const seq = Number(value);
    return Number.isSafeInteger(seq) ? seq : null;
  }

  async advance(key: string, seq: number): Promise<void> {
    await this.redis.eval(ADVANCE, 1, this.prefix + key, String(seq));
  }
}
