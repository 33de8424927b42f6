import type { Redis } from "ioredis";

/** How many login attempts are allowed, and over how long. */
export interface LoginThrottleLimits {
  perName: number;
  perAddress: number;
  windowSeconds: number;
}

// Checks both counts and, when neither is at its limit, counts the attempt in both: one script, so
// attempts sent at once cannot all slip under the limit. INCR then EXPIRE on the first (not
// `EXPIRE … NX`, Redis 7 only): runs on Redis 6 and 7.
const TAKE = `
for i = 1, #KEYS do
  if tonumber(redis.call("GET", KEYS[i]) or "0") >= tonumber(ARGV[i]) then return i end
end
for i = 1, #KEYS do
  if redis.call("INCR", KEYS[i]) == 1 then redis.call("EXPIRE", KEYS[i], ARGV[#KEYS + 1]) end
end
return 0`;

// A login that succeeded: its name starts afresh, and it no longer counts against its address.
const SUCCEEDED = `
redis.call("DEL", KEYS[1])
if tonumber(redis.call("GET", KEYS[2]) or "0") > 0 then redis.call("DECR", KEYS[2]) end
return 1`;

/** Why an attempt was refused: too many for the name, or from the address. */
export type ThrottleVerdict = "ok" | "name" | "address";

/**
 * Login attempts in Redis, per name and per client address: past either limit within the
 * window, attempts are refused before any password is checked (password guessing gets slow, for
 * one name from many addresses and for many names from one). An attempt is counted before its
 * password is checked; a success takes it back.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly limits: LoginThrottleLimits,
  ) {}

  private keys(name: string, address: string): [string, string] {
    const prefix = `${this.keyPrefix}console:login-attempts:`;
    return [`${prefix}name:${Buffer.from(name).toString("base64url").slice(0, 96)}`, `${prefix}address:${address.slice(0, 64)}`];
  }

  /** Counts an attempt, or says which limit it is over (and counts nothing). */
  async attempt(name: string, address: string): Promise<ThrottleVerdict> {
    const { perName, perAddress, windowSeconds } = this.limits;
    const over = await this.redis.eval(TAKE, 2, ...this.keys(name, address), perName, perAddress, windowSeconds);
    return over === 1 ? "name" : over === 2 ? "address" : "ok";
  }

  async succeeded(name: string, address: string): Promise<void> {
    await this.redis.eval(SUCCEEDED, 2, ...this.keys(name, address));
  }
}
