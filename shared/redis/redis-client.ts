import { Redis, type RedisOptions } from "ioredis";
import type { RedisSettings } from "./redis-settings.js";
import { ConfigError } from "../settings/config-error.js";
import { certificateProblem, errorChain, resolveSecret, tlsOptions } from "../settings/transport-security.js";

/** Where Redis is and how to log in: the connection keys of the `redis` section. */
export type RedisConnection = Pick<RedisSettings, "url" | "username" | "password" | "tls">;

/** ioredis options for the ACL user, the password (read here, at start) and, for a rediss:// URL, TLS. */
export function redisSecurity(connection: RedisConnection, section: string): RedisOptions {
  return {
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: resolveSecret(connection.password, `${section}.password`) }),
    ...(connection.url.startsWith("rediss://") ? { tls: tlsOptions(connection.tls, `${section}.tls`) } : {}),
  };
}

/**
 * The one way Arbiter makes a Redis client: `options` say how the caller uses it (timeouts,
 * retries); the connection settings of config section `section` say where and as whom.
 */
export function createRedis(connection: RedisConnection, options: RedisOptions, section: string): Redis {
  return new Redis(connection.url, { ...options, ...redisSecurity(connection, section) });
}

/** A Redis error that a connection setting explains, as a {@link ConfigError} naming it; any other error as it is. */
export function explainRedisError(error: unknown, connection: RedisConnection, section: string): unknown {
  const chain = errorChain(error);
  const because = (field: string, problem: string) => Object.assign(new ConfigError(`${section}.${field}`, problem), { cause: error });
  const reply = chain.find((e) => /^(WRONGPASS|NOAUTH)\b/.test(e.message));
  if (reply?.message.startsWith("WRONGPASS"))
    return because(
      "password",
      `Redis rejected user ${JSON.stringify(connection.username ?? "default")} with this password; check ${section}.username and ${section}.password (${reply.message})`,
    );
  if (reply) return because("password", `${connection.password === undefined ? "is unset but" : "is set, yet"} Redis requires a login (${reply.message})`);
  if (!connection.url.startsWith("rediss://")) return error;
  const certificate = certificateProblem(error, `${section}.tls`);
  if (certificate) return certificate;
  const handshake = chain.find((e) => /before secure TLS connection was established|wrong version number/i.test(e.message));
  if (handshake) return because("url", `is rediss:// but the TLS handshake failed (${handshake.message}): does that port speak TLS?`);
  return error;
}
