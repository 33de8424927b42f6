import type { SessionStore } from "@fastify/session";
import type { Session } from "fastify";
import type { Redis } from "ioredis";

type Callback = (error?: unknown) => void;

/** @fastify/session's store in Redis (`<prefix>console:session:<id>`, JSON, expiring with the session), so sessions outlive a restart and are shared by console replicas. */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(sessionId: string): string {
    return `${this.keyPrefix}console:session:${sessionId}`;
  }

  set(sessionId: string, session: Session, callback: Callback): void {
    this.redis.set(this.key(sessionId), JSON.stringify(session), "EX", this.ttlSeconds).then(() => callback(), callback);
  }

  get(sessionId: string, callback: (error: unknown, session?: Session | null) => void): void {
    this.redis.get(this.key(sessionId)).then(
      (raw) => callback(null, raw === null ? null : (JSON.parse(raw) as Session)),
      (error: unknown) => callback(error),
    );
  }

  destroy(sessionId: string, callback: Callback): void {
    this.redis.del(this.key(sessionId)).then(() => callback(), callback);
  }
}
