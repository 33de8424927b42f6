// The verdict cache against Redis servers of this test's own: one TLS-only with client
// certificates and an ACL user, one plain with a password on the default user (requirepass).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { ArbiterConfigInput } from "@arbiter/shared/config/arbiter-config.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import type { ModelVerdict } from "@arbiter/shared/pipeline/ports.js";
import { VerdictCache, type VerdictCacheOptions, type VerdictKeyParts } from "@arbiter/shared/pipeline/verdict-cache.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { eventually } from "../../support/eventually.js";
import { testNamespace } from "../../support/namespace.js";
import { PrivateRedis } from "../../support/private-services.js";
import { makeTestCertificates, type TestCertificates } from "../../support/tls-certs.js";

const ns = testNamespace("redis security");
const PASSWORD = `pw-${ns.id}`;
const WRONG = `wrong-${ns.id}`;
let certs: TestCertificates;
let tlsRedis: PrivateRedis;
let passwordRedis: PrivateRedis;
const caches: VerdictCache[] = [];

beforeAll(async () => {
  certs = await makeTestCertificates();
  tlsRedis = new PrivateRedis(17379 + (process.pid % 500), {
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, clientCertificates: true },
    users: { arbiter: PASSWORD },
  });
  passwordRedis = new PrivateRedis(17879 + (process.pid % 500), { users: { default: PASSWORD } });
  await Promise.all([tlsRedis.start(), passwordRedis.start()]);
}, 30_000);

afterAll(async () => {
  for (const cache of caches) await cache.close();
  await Promise.all([tlsRedis?.stop(), passwordRedis?.stop()]);
  certs?.remove();
}, 30_000);

const verdict: ModelVerdict = {
  policyId: "spam",
  policyVersion: "v1",
  decision: "violate",
  ruleIds: ["SP2"],
  rationale: "sells accounts",
  confidence: 0.93,
  reasoning: "",
  promptTokens: 1,
  generatedTokens: 1,
  latencyMs: 1,
};

/** The verdict cache's options as the worker would load them from these `redis` settings. */
function cacheSettings(redis: NonNullable<ArbiterConfigInput["redis"]>): VerdictCacheOptions {
  const config = loadConfig({ redis: { keyPrefix: ns.redisPrefix, ...redis } }, {});
  return { ...config.redis, ...config.cache };
}

/** The TLS Redis as user arbiter with `password`, showing the client certificate and trusting `ca`. */
function tlsCacheSettings(password: NonNullable<ArbiterConfigInput["redis"]>["password"], ca = certs.ca): VerdictCacheOptions {
  return cacheSettings({ url: tlsRedis.url, username: "arbiter", password, tls: { ca, cert: certs.clientCert, key: certs.clientKey } });
}

function cacheWith(settings: VerdictCacheOptions, logger = capturedLogger().logger): VerdictCache {
  const cache = new VerdictCache(settings, logger);
  caches.push(cache);
  return cache;
}

const keyParts: VerdictKeyParts = {
  modelIdentity: "gguf:1:test",
  effort: "low",
  policyId: verdict.policyId,
  policyVersion: verdict.policyVersion,
  promptFormat: "1/separate",
};

/** Writes a verdict and reads it back, retrying while the client is still connecting. */
function roundTrip(cache: VerdictCache, text: string): Promise<unknown> {
  return eventually(
    async () => {
      await cache.set(keyParts, verdict, text);
      return cache.get(keyParts, text);
    },
    10_000,
    "a verdict written and read back",
  );
}

/** The first error line the cache logged, once it has logged one. */
function firstError(lines: Array<Record<string, unknown>>): Promise<string> {
  return eventually(() => lines.find((l) => l.level === 50)?.err as string | undefined, 10_000, "an error line");
}

test("over TLS with a client certificate, as an ACL user whose password comes from a file, a verdict is written and read back", async () => {
  const passwordFile = path.join(certs.dir, "redis-password");
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const settings = tlsCacheSettings({ file: passwordFile });
  expect(settings.url.startsWith("rediss://")).toBe(true);
  const { logger, lines } = capturedLogger();
  const cache = cacheWith(settings, logger);
  expect(await roundTrip(cache, "tls text")).toMatchObject({ decision: "violate", ruleIds: ["SP2"], confidence: 0.93 });
  expect(lines.filter((l) => l.level === 50)).toEqual([]);
}, 30_000);

test("the PEM material may be given inline instead of as paths", async () => {
  const settings = cacheSettings({
    url: tlsRedis.url,
    username: "arbiter",
    password: PASSWORD,
    tls: { ca: certs.read(certs.ca), cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) },
  });
  expect(await roundTrip(cacheWith(settings), "inline pem text")).toMatchObject({ decision: "violate" });
}, 30_000);

test("a wrong password: calls are misses, and the error logged names redis.password and the user, never a password", async () => {
  process.env.ARBITER_TEST_REDIS_PASSWORD = WRONG;
  const settings = tlsCacheSettings({ env: "ARBITER_TEST_REDIS_PASSWORD" });
  const { logger, lines, text } = capturedLogger();
  const cache = cacheWith(settings, logger);
  const error = await firstError(lines);
  expect(error).toMatch(/^config: redis\.password: Redis rejected user "arbiter" with this password/);
  expect(error).toContain("WRONGPASS");
  expect(await cache.get(keyParts, "any text")).toBeUndefined();
  expect(cache.stats.misses).toBeGreaterThan(0);
  expect(text()).not.toContain(WRONG);
  expect(text()).not.toContain(PASSWORD);
}, 30_000);

test("a CA that did not sign the server's certificate: the error logged names redis.tls.ca", async () => {
  const settings = tlsCacheSettings(PASSWORD, certs.otherCa);
  const { logger, lines } = capturedLogger();
  const cache = cacheWith(settings, logger);
  expect(await firstError(lines)).toMatch(/^config: redis\.tls\.ca: the server's certificate is not signed by a CA this client trusts/);
  expect(await cache.get(keyParts, "any text")).toBeUndefined();
}, 30_000);

test("a password on the default user (requirepass): right, the cache works; missing, the error names redis.password as unset", async () => {
  expect(await roundTrip(cacheWith(cacheSettings({ url: passwordRedis.url, password: PASSWORD })), "requirepass text")).toMatchObject({ decision: "violate" });
  const { logger, lines } = capturedLogger();
  const cache = cacheWith(cacheSettings({ url: passwordRedis.url }), logger);
  await cache.get(keyParts, "first call");
  // ioredis sends no AUTH without a password: the first command is what Redis refuses.
  const error = await eventually(
    async () => {
      await cache.get(keyParts, "probe");
      return lines.find((l) => l.level === 50)?.err as string | undefined;
    },
    10_000,
    "an error line",
  );
  expect(error).toMatch(/^config: redis\.password: is unset but Redis requires a login \(NOAUTH/);
}, 30_000);
