import type { RedisSettings } from "../redis/redis-settings.js";
import { createRedis } from "../redis/redis-client.js";
import { probeRedis } from "../redis/redis-probe.js";
import { PolicyRegistry, registryPrefix } from "./policy-registry.js";

/** The registry the settings name, after checking Redis answers (a ServiceUnreachableError when it does not: the `arbiter` command exits 3). */
export async function openPolicyRegistry(config: { redis: RedisSettings }): Promise<{ registry: PolicyRegistry; close(): void }> {
  await probeRedis(config.redis, 3000, "policy registry");
  const redis = createRedis(config.redis, { connectTimeout: 3000, commandTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null }, "redis");
  redis.on("error", () => undefined);
  return { registry: new PolicyRegistry(redis, registryPrefix(config.redis.keyPrefix)), close: () => redis.disconnect() };
}
