import { z } from "zod";
import { nonBlank, secretSchema, tlsFields, tlsPairRule } from "../settings/fields.js";

// The redis section: the one connection the verdict cache, the policy registry, the sinks and the console share.

export const redisSchema = z
  .strictObject({
    url: z
      .string()
      .describe(
        "Redis URL (redis://, or rediss:// for TLS with `redis.tls`): the verdict cache's, the policy registry's, and the sinks' and console's state; checked when the cache or the registry is enabled.",
      )
      .default("redis://127.0.0.1:6379"),
    keyPrefix: z.string().describe("Prefix of every Redis key (the cache's, the registry's, the sinks' and the console's).").default("arbiter:"),
    username: nonBlank().optional().describe("Redis ACL user (unset: `default`)."),
    password: secretSchema
      .optional()
      .describe("Redis password (AUTH, or the ACL user's): `{env: VARIABLE}` or `{file: path}`; a plain string only for local tests."),
    tls: z.strictObject(tlsFields).superRefine(tlsPairRule).describe("TLS settings of a rediss:// URL.").prefault({}),
  })
  .superRefine((r, ctx) => {
    // ioredis takes a URL's userinfo over the options: a password in both places would silently use the URL's.
    if ((r.username !== undefined || r.password !== undefined) && /^rediss?:\/\/[^/@]*@/.test(r.url))
      ctx.addIssue({
        code: "custom",
        path: [r.password !== undefined ? "password" : "username"],
        message: "is set and redis.url holds a user too: keep the credentials in redis.username and redis.password only",
      });
    if (!r.url.startsWith("rediss://"))
      for (const key of ["ca", "cert", "key", "servername"] as const)
        if (r.tls[key] !== undefined) ctx.addIssue({ code: "custom", path: ["tls", key], message: "is set but redis.url is not rediss:// (TLS)" });
  })
  .prefault({});

/** The keys the `cache` section held before the `redis` section existed: still read there, with a deprecation warning. */
export const REDIS_KEYS_ONCE_IN_CACHE = ["url", "keyPrefix", "username", "password", "tls"] as const;

export type RedisSettings = z.output<typeof redisSchema>;
