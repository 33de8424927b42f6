import type { Redis } from "ioredis";
import { StateStoreError } from "../errors/state-store-error.js";

export interface PagerRateLimitSettings {
  /** Pages about one post per `perPostWindowMinutes` (0: no limit). */
  perPost: number;
  perPostWindowMinutes: number;
  /** Pages about one forum's posts per `perForumWindowMinutes` (0: no limit). */
  perForum: number;
  perForumWindowMinutes: number;
}

/** Why a page was not sent, or null when it may be. */
export type PageRefusal = "post-limit" | "forum-limit" | null;

// KEYS: post counter, forum counter. ARGV: post limit, post window ms, forum limit, forum window ms.
// Counts a page against both windows only when both have room, in one step (Redis 6 and 7).
const TAKE = `
local post = tonumber(redis.call('GET', KEYS[1]) or '0')
local forum = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) > 0 and post >= tonumber(ARGV[1]) then return 1 end
if tonumber(ARGV[3]) > 0 and forum >= tonumber(ARGV[3]) then return 2 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0
`;

/**
 * How often the on-call counsellor may be paged: per post and per forum, in fixed windows kept
 * in Redis, so every auto-hide process shares them. Over either limit the page is not sent (a
 * flood of posts must not bury the counsellor); the banner still goes up and the decision's
 * ticket still reaches the moderators.
 */
export class PagerRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly settings: PagerRateLimitSettings,
  ) {}

  async take(forumId: string, postId: string): Promise<PageRefusal> {
    const { perPost, perPostWindowMinutes, perForum, perForumWindowMinutes } = this.settings;
    let answer: unknown;
    try {
      answer = await this.redis.eval(
        TAKE,
        2,
        `${this.keyPrefix}auto-hide:pages:post:${postId}`,
        `${this.keyPrefix}auto-hide:pages:forum:${forumId}`,
        perPost,
        perPostWindowMinutes * 60_000,
        perForum,
        perForumWindowMinutes * 60_000,
      );
    } catch (error) {
      throw new StateStoreError(`counting the pages of post ${postId}`, error as Error);
    }
    return answer === 1 ? "post-limit" : answer === 2 ? "forum-limit" : null;
  }
}
