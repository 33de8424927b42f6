import { ConfigError } from "../settings/config-error.js";
import type { RedisSettings } from "./redis-settings.js";
import { ServiceUnreachableError } from "../errors/service-unreachable-error.js";
import { startHint, tcpProbe } from "../net/tcp-probe.js";
import { createRedis, explainRedisError } from "./redis-client.js";

const REDIS = { script: "redis.sh", portVariable: "REDIS_PORT", defaultPort: 6379, setting: "redis.url (REDIS_URL)" };

/** A Redis URL without its userinfo, for messages. */
export function displayRedisUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, "$1");
}

/** Pings Redis as the workers log in; throws a {@link ServiceUnreachableError} saying what failed and what to do, or the {@link ConfigError} of a login or TLS setting. */
export async function probeRedis(connection: RedisSettings, timeoutMs = 3000, purpose: "cache" | "policy registry" = "cache"): Promise<void> {
  const { url } = connection;
  const shown = displayRedisUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServiceUnreachableError("Redis", `redis.url ${JSON.stringify(shown)} is not a URL`, "set redis.url (REDIS_URL) to redis://host:port");
  }
  const host = parsed.hostname || "127.0.0.1";
  const port = Number(parsed.port || REDIS.defaultPort);
  const problem = await tcpProbe(host, port, timeoutMs);
  const hint = `${startHint(host, port, REDIS)}${purpose === "cache" ? ", or turn the verdict cache off (cache.enabled: false)" : " (the policy registry lives there)"}`;
  if (problem !== null) throw new ServiceUnreachableError("Redis", `Redis at ${shown} ${problem}`, hint);
  const redis = createRedis(
    connection,
    { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null },
    "redis",
  );
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const explained = explainRedisError(error, connection, "redis");
    if (explained instanceof ConfigError) throw explained;
    throw new ServiceUnreachableError("Redis", `Redis at ${shown} accepts connections but does not answer PING (${(error as Error).message})`, hint);
  } finally {
    redis.disconnect();
  }
}
