/**
 * A token bucket: `burst` requests at once, refilled at `perSecond`. A request over the limit is
 * refused and takes nothing (the auto-hide sink's bucket, sinks/auto-hide/token-bucket.ts, instead
 * reserves a later token for every call, as its calls wait rather than fail). The clock is injected for tests.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token: 0 when one was there, else the seconds until one will be (a Retry-After, rounded up, at least 1). */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
