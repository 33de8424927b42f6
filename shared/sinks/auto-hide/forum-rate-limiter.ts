import { abortableSleep } from "../../retry/abortable-sleep.js";
import type { AutoHideSettings } from "./auto-hide-settings.js";
import { TokenBucket } from "./token-bucket.js";

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
  /** Forum id → calls per second, over `perSecond`. */
  forums: Readonly<Record<string, number>>;
}

/** Calls per second per forum, in this process. Over the limit a call waits its turn; none is dropped. */
export class ForumRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
  ) {}

  /** Resolves when the forum may take one more call; returns how long it waited (ms). */
  async acquire(forumId: string, signal: AbortSignal): Promise<number> {
    const now = this.clock();
    let bucket = this.buckets.get(forumId);
    if (!bucket) {
      // Forum ids come from records: buckets nobody is waiting on go, so memory stays bounded.
      if (this.buckets.size >= 10_000) for (const [id, b] of this.buckets) if (b.idle(now)) this.buckets.delete(id);
      bucket = new TokenBucket(this.settings.forums[forumId] ?? this.settings.perSecond, this.settings.burst, now);
      this.buckets.set(forumId, bucket);
    }
    const wait = bucket.reserve(now);
    if (wait > 0) await this.sleep(wait, signal);
    return wait;
  }
}

/** The forum rate limit of `autoHide`: a platform forum's own `perSecond`, unless `autoHide.rateLimit.forums` names the forum. */
export function forumRates(settings: Pick<AutoHideSettings, "rateLimit" | "forums">): RateLimitSettings {
  const platformRates: Record<string, number> = {};
  for (const [forumId, forum] of Object.entries(settings.forums)) if ("perSecond" in forum) platformRates[forumId] = forum.perSecond;
  return { ...settings.rateLimit, forums: { ...platformRates, ...settings.rateLimit.forums } };
}
