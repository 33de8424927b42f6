import { Redis } from "ioredis";
import type { Logger } from "../observability/logger.js";

/**
 * The Redis connection of a sink or the console. Unlike the verdict cache, its state matters:
 * a command waits for a reconnect (bounded by the command timeout) and a failure is retried by
 * the caller, never taken as "nothing there".
 */
export function sinkRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    commandTimeout: 5000,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let lastWarning = 0;
  redis.on("error", (error: Error) => {
    // A Redis outage logs once every 10 s, not once per reconnect attempt.
    if (Date.now() - lastWarning < 10_000) return;
    lastWarning = Date.now();
    logger.warn({ err: error.message }, "redis error");
  });
  return redis;
}
