import type { Redis } from "ioredis";

/** Failed logins per name in Redis: past `limit` within the window, that name must wait (password guessing gets slow). */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limit = 10,
    private readonly windowSeconds = 900,
  ) {}

  private key(name: string): string {
    return `${this.keyPrefix}console:login-failures:${Buffer.from(name).toString("base64url").slice(0, 96)}`;
  }

  async blocked(name: string): Promise<boolean> {
    return Number((await this.redis.get(this.key(name))) ?? 0) >= this.limit;
  }

  async failed(name: string): Promise<void> {
    await this.redis.multi().incr(this.key(name)).expire(this.key(name), this.windowSeconds, "NX").exec();
  }

  async succeeded(name: string): Promise<void> {
    await this.redis.del(this.key(name));
  }
}
