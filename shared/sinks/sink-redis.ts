import type { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";
import { ConfigError } from "../settings/config-error.js";
import { createRedis, explainRedisError, type RedisConnection } from "../redis/redis-client.js";

/**
 * The Redis connection of a sink or the console. Unlike the verdict cache, its state matters:
 * a command waits for a reconnect (bounded by the command timeout) and a failure is retried by
 * the caller, never taken as "nothing there".
 */
export function sinkRedis(connection: RedisConnection, logger: Logger): Redis {
  const redis = createRedis(
    connection,
    {
      maxRetriesPerRequest: 2,
      commandTimeout: 5000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    },
    "redis",
  );
  const lastLogged = { wrongSetting: 0, outage: 0 };
  redis.on("error", (raw: Error) => {
    const error = explainRedisError(raw, connection, "redis") as Error;
    // A wrong setting (a rejected password, an untrusted certificate) needs a person, and an outage warning must not hide it.
    const kind = error instanceof ConfigError ? "wrongSetting" : "outage";
    // At most one line of each kind per 10 s, not one per reconnect attempt.
    if (Date.now() - lastLogged[kind] < 10_000) return;
    lastLogged[kind] = Date.now();
    if (kind === "wrongSetting") logger.error({ err: error.message }, "redis refuses this worker; its work waits");
    else logger.warn({ err: error.message }, "redis error");
  });
  return redis;
}
