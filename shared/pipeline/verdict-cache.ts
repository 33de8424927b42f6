import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { ConfigError } from "../settings/config-error.js";
import type { Logger } from "../observability/logger.js";
import { createRedis, explainRedisError, type RedisConnection } from "../redis/redis-client.js";
import type { Effort } from "../policy/effort.js";
import type { ModelVerdict } from "./ports.js";

/** The `redis` section (the connection) with the `cache` section (how the cache uses it). */
export interface VerdictCacheOptions extends RedisConnection {
  keyPrefix: string;
  ttlSeconds: number;
  /** A slower call counts as a miss, so a sick Redis never stalls the stream. */
  commandTimeoutMs: number;
}

/** What a verdict depends on besides the post: who answered, how hard it thought, under which policy and prompt. */
export interface VerdictKeyParts {
  /** The model file's identity (`modelFileIdentity`), or the model id of an engine without a file. */
  modelIdentity: string;
  effort: Effort;
  policyId: string;
  policyVersion: string;
  /** The prompt-format version, with the multi-policy mode (a combined prompt is another prompt). */
  promptFormat: string;
}

/** The digest that names one verdict: every part of the key and the post's cache text. */
export function verdictDigest(parts: VerdictKeyParts, cacheText: string): string {
  const head = [parts.modelIdentity, parts.effort, parts.policyId, parts.policyVersion, parts.promptFormat].join("\u0000");
  return createHash("sha256").update(head).update("\u0000").update(cacheText).digest("hex");
}

export type CachedVerdict = Omit<ModelVerdict, "reasoning" | "latencyMs" | "promptTokens" | "generatedTokens">;

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

/**
 * Model verdicts in Redis, keyed by policy version + SHA-256 of the model's identity, the effort, the
 * policy, the prompt-format version and the normalised text, with a TTL: a verdict is never served
 * for another model, effort or prompt than the one that gave it.
 * Redis being down is not an error for the stream: every call degrades to a miss.
 */
export class VerdictCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  private readonly redis: Redis;
  /** When the last line of each kind was logged: outage warnings, wrong-setting errors. */
  private readonly lastLogged = { warning: 0, wrongSetting: 0 };

  constructor(
    private readonly options: VerdictCacheOptions,
    private readonly logger: Logger,
  ) {
    this.redis = createRedis(
      options,
      {
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: options.commandTimeoutMs,
        connectTimeout: 2000,
        // Keep trying in the background, at most every 2 s, so the cache comes back with Redis.
        retryStrategy: (times) => Math.min(times * 200, 2000),
      },
      "redis",
    );
    this.redis.on("error", (error) => this.warn("redis error", explainRedisError(error, options, "redis")));
  }

  key(parts: VerdictKeyParts, cacheText: string): string {
    return `${this.options.keyPrefix}verdict:${parts.policyVersion}:${verdictDigest(parts, cacheText)}`;
  }

  async get(parts: VerdictKeyParts, cacheText: string): Promise<CachedVerdict | undefined> {
    try {
      const raw = await this.redis.get(this.key(parts, cacheText));
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

  async set(parts: VerdictKeyParts, verdict: ModelVerdict, cacheText: string): Promise<void> {
    const value: CachedVerdict = {
      policyId: verdict.policyId,
      policyVersion: verdict.policyVersion,
      decision: verdict.decision,
      ruleIds: verdict.ruleIds,
      rationale: verdict.rationale,
      confidence: verdict.confidence,
    };
    try {
      await this.redis.set(this.key(parts, cacheText), JSON.stringify(value), "EX", this.options.ttlSeconds);
    } catch (error) {
      this.stats.errors++;
      this.warn("cache write failed", error);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private warn(message: string, error: unknown): void {
    // A wrong setting (a rejected password, an untrusted certificate) is no outage: it needs a person, and an outage warning must not hide it.
    const kind = error instanceof ConfigError ? "wrongSetting" : "warning";
    // At most one line of each kind per 5 s: a Redis outage must not flood the log.
    const now = Date.now();
    if (now - this.lastLogged[kind] < 5000) return;
    this.lastLogged[kind] = now;
    if (error instanceof ConfigError) this.logger.error({ err: error.message }, `${message}; deciding without the cache`);
    else this.logger.warn({ err: (error as Error).message }, message);
  }
}
