import type { Redis } from "ioredis";
import { StateStoreError } from "../errors/state-store-error.js";
import type { PostActionState } from "./post-action-plan.js";

/** What the auto-hide sink did to each post, one Redis key per post (`<prefix>auto-hide:post:<id>`), JSON. */
export class PostActionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** 0: kept forever. */
    private readonly ttlSeconds: number,
  ) {}

  key(postId: string): string {
    return `${this.keyPrefix}auto-hide:post:${postId}`;
  }

  /** null: nothing was ever done to the post. */
  async get(postId: string): Promise<PostActionState | null> {
    let raw: string | null;
    try {
      raw = await this.redis.get(this.key(postId));
    } catch (error) {
      throw new StateStoreError(`reading the state of post ${postId}`, error as Error);
    }
    return raw === null ? null : (JSON.parse(raw) as PostActionState);
  }

  async save(postId: string, state: PostActionState): Promise<void> {
    const value = JSON.stringify(state);
    try {
      if (this.ttlSeconds > 0) await this.redis.set(this.key(postId), value, "EX", this.ttlSeconds);
      else await this.redis.set(this.key(postId), value);
    } catch (error) {
      throw new StateStoreError(`saving the state of post ${postId}`, error as Error);
    }
  }
}
