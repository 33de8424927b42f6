/**
 * A token bucket that hands out reservations: every call gets a token, now or at a later time,
 * and the balance may go below zero, so waiting callers are served in the order they came.
 * Pure: the clock is passed in.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token; returns how long the caller must wait before using it (0: at once). */
  reserve(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  /** Full again (no reservation outstanding) at `now`: a bucket nobody needs can be dropped. */
  idle(now: number): boolean {
    return this.tokens + ((now - this.last) / 1000) * this.perSecond >= this.burst;
  }
}
