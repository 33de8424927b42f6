import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";
import type { ModelVerdict } from "./ports.js";

export interface VerdictCacheOptions {
  url: string;
  keyPrefix: string;
  ttlSeconds: number;
  /** A slower call counts as a miss, so a sick Redis never stalls the stream. */
  commandTimeoutMs: number;
}

export type CachedVerdict = Omit<ModelVerdict, "reasoning" | "latencyMs" | "promptTokens" | "generatedTokens">;

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

/**
 * Model verdicts in Redis, keyed by policy version + SHA-256 of the normalised text, with a TTL.
 * Redis being down is not an error for the stream: every call degrades to a miss.
 */
export class VerdictCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(
    private readonly options: VerdictCacheOptions,
    private readonly logger: Logger,
  ) {
    this.redis = new Redis(options.url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: 2000,
      // Keep trying in the background, at most every 2 s, so the cache comes back with Redis.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.redis.on("error", (error) => this.warn("redis error", error));
  }

  key(policyVersion: string, cacheText: string): string {
    const digest = createHash("sha256").update(cacheText).digest("hex");
    return `${this.options.keyPrefix}verdict:${policyVersion}:${digest}`;
  }

  async get(policyVersion: string, cacheText: string): Promise<CachedVerdict | undefined> {
    try {
      const raw = await this.redis.get(this.key(policyVersion, cacheText));
      if (raw === null) {
        this.stats.misses++;
        return undefined;
      }
      this.stats.hits++;
      return JSON.parse(raw) as CachedVerdict;
    } catch (error) {
      this.stats.errors++;
      this.stats.misses++;
      this.warn("cache read failed; deciding without it", error);
      return undefined;
    }
  }

  async set(verdict: ModelVerdict, cacheText: string): Promise<void> {
    const value: CachedVerdict = {
      policyId: verdict.policyId,
      policyVersion: verdict.policyVersion,
      decision: verdict.decision,
      ruleIds: verdict.ruleIds,
      rationale: verdict.rationale,
      confidence: verdict.confidence,
    };
    try {
      await this.redis.set(this.key(verdict.policyVersion, cacheText), JSON.stringify(value), "EX", this.options.ttlSeconds);
    } catch (error) {
      this.stats.errors++;
      this.warn("cache write failed", error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private warn(message: string, error: unknown): void {
    // At most one warning per 5 s: a Redis outage must not flood the log.
    const now = Date.now();
    if (now - this.lastWarning < 5000) return;
    this.lastWarning = now;
    this.logger.warn({ err: (error as Error).message }, message);
  }
}
