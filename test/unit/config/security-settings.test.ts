import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { ArbiterConfigInput } from "@arbiter/shared/config/arbiter-config.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { resolveSecret, tlsOptions } from "@arbiter/shared/settings/transport-security.js";
import { kafkaSecurity } from "@arbiter/shared/kafka/kafka-client.js";
import { createLogger } from "@arbiter/shared/observability/logger.js";
import { VerdictCache } from "@arbiter/shared/pipeline/verdict-cache.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { thrown } from "../../support/thrown.js";

const noEnv = {};
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "arbiter-security-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

test("by default: no TLS and no SASL to Kafka, no login and certificate checks on for Redis", () => {
  const { kafka, redis } = loadConfig({}, noEnv);
  expect(kafka.ssl).toEqual({ enabled: false, rejectUnauthorized: true });
  expect(kafka.sasl).toBeUndefined();
  expect(redis.username).toBeUndefined();
  expect(redis.password).toBeUndefined();
  expect(redis.tls).toEqual({ rejectUnauthorized: true });
  expect(kafkaSecurity(kafka)).toEqual({});
});

test.each<[string, ArbiterConfigInput, string, RegExp]>([
  ["PLAIN without TLS", { kafka: { sasl: { mechanism: "plain", username: "u", password: "p" } } }, "kafka.sasl.mechanism", /sends the password in clear/],
  ["an unknown mechanism", { kafka: { sasl: { mechanism: "scram-sha-1" as "plain", username: "u", password: "p" } } }, "kafka.sasl.mechanism", /./],
  ["SASL without a password", { kafka: { sasl: { mechanism: "scram-sha-256", username: "u" } as never } }, "kafka.sasl.password", /./],
  [
    "a password from a badly named variable",
    { kafka: { sasl: { mechanism: "scram-sha-256", username: "u", password: { env: "1X" } } } },
    "kafka.sasl.password.env",
    /must be an environment variable name/,
  ],
  ["a password from both a file and a variable", { redis: { password: { file: "/p", env: "P" } as never } }, "redis.password", /./],
  ["a CA while TLS is off", { kafka: { ssl: { ca: "/etc/ca.pem" } } }, "kafka.ssl.ca", /is set but kafka\.ssl\.enabled is false/],
  ["a client certificate without its key", { kafka: { ssl: { enabled: true, cert: "/c.pem" } } }, "kafka.ssl.key", /with the other of cert and key/],
  [
    "a Redis password beside a URL with a user",
    { redis: { url: "redis://u:p@cache:6379", password: { env: "REDIS_PASSWORD" } } },
    "redis.password",
    /redis\.url holds a user too/,
  ],
  ["a Redis CA with a redis:// URL", { redis: { tls: { ca: "/etc/ca.pem" } } }, "redis.tls.ca", /not rediss:\/\//],
])("%s is refused at start, naming the setting", (_what, overrides, field, problem) => {
  const error = thrown(() => loadConfig(overrides as Record<string, unknown>, noEnv), ConfigError);
  expect(error.field).toBe(field);
  expect(error.message).toMatch(problem);
});

test("security settings that hold together load, and name no secret value until a client is made", () => {
  const config = loadConfig(
    {
      kafka: {
        ssl: { enabled: true, ca: "/etc/arbiter/tls/ca.crt" },
        sasl: { mechanism: "scram-sha-512", username: "arbiter", password: { env: "KAFKA_SASL_PASSWORD" } },
      },
      redis: { url: "rediss://redis:6380", username: "arbiter", password: { file: "/var/run/secrets/arbiter/redis-password" }, tls: { ca: PEM } },
    },
    noEnv,
  );
  expect(config.kafka.sasl?.password).toEqual({ env: "KAFKA_SASL_PASSWORD" });
  expect(config.redis.password).toEqual({ file: "/var/run/secrets/arbiter/redis-password" });
});

test("a secret is read from the environment or a file (one trailing newline dropped), or given inline", () => {
  expect(resolveSecret("inline", "x.password", noEnv)).toBe("inline");
  expect(resolveSecret({ env: "PW" }, "x.password", { PW: "from-env" })).toBe("from-env");
  expect(resolveSecret({ file: file("pw", "from-file\n") }, "x.password")).toBe("from-file");
  expect(resolveSecret({ file: file("pw-spaces", " two words \n\n") }, "x.password")).toBe(" two words \n");
});

test("a secret that cannot be read is a ConfigError naming the setting and the variable or file, not a value", () => {
  expect(thrown(() => resolveSecret({ env: "NO_SUCH_PW" }, "kafka.sasl.password", noEnv), ConfigError).message).toBe(
    "config: kafka.sasl.password: environment variable NO_SUCH_PW is not set",
  );
  expect(thrown(() => resolveSecret({ env: "EMPTY" }, "kafka.sasl.password", { EMPTY: "" }), ConfigError).field).toBe("kafka.sasl.password");
  const missing = thrown(() => resolveSecret({ file: path.join(dir, "nope") }, "cache.password"), ConfigError);
  expect(missing.message).toMatch(/^config: cache\.password: cannot read .*nope: ENOENT/);
  expect(thrown(() => resolveSecret({ file: file("empty", "\n") }, "cache.password"), ConfigError).message).toMatch(/is empty$/);
});

test("TLS material is PEM text as given, or read from the path given; an unreadable path names the setting", () => {
  const caFile = file("ca.pem", PEM);
  expect(tlsOptions({ rejectUnauthorized: true, ca: caFile, cert: PEM, key: PEM, servername: "kafka.internal" }, "kafka.ssl")).toEqual({
    rejectUnauthorized: true,
    ca: PEM,
    cert: PEM,
    key: PEM,
    servername: "kafka.internal",
  });
  expect(tlsOptions({ rejectUnauthorized: false }, "cache.tls")).toEqual({ rejectUnauthorized: false });
  expect(thrown(() => tlsOptions({ rejectUnauthorized: true, ca: path.join(dir, "missing.pem") }, "kafka.ssl"), ConfigError).field).toBe("kafka.ssl.ca");
});

test("kafkajs gets TLS and the SASL login with the password read; an unset variable stops it before any connection", () => {
  const settings = loadConfig(
    { kafka: { ssl: { enabled: true, ca: PEM }, sasl: { mechanism: "scram-sha-256", username: "arbiter", password: { env: "ARBITER_UNIT_KAFKA_PW" } } } },
    noEnv,
  ).kafka;
  process.env.ARBITER_UNIT_KAFKA_PW = "s3cret";
  expect(kafkaSecurity(settings)).toEqual({
    ssl: { rejectUnauthorized: true, ca: PEM },
    sasl: { mechanism: "scram-sha-256", username: "arbiter", password: "s3cret" },
  });
  delete process.env.ARBITER_UNIT_KAFKA_PW;
  expect(thrown(() => kafkaSecurity(settings), ConfigError).field).toBe("kafka.sasl.password");
});

test("the verdict cache is not made when its password cannot be read: the error names redis.password", () => {
  const config = loadConfig({ redis: { password: { env: "ARBITER_UNIT_NO_SUCH_PW" } } }, noEnv);
  expect(thrown(() => new VerdictCache({ ...config.redis, ...config.cache }, silentLogger), ConfigError).message).toBe(
    "config: redis.password: environment variable ARBITER_UNIT_NO_SUCH_PW is not set",
  );
});

test("a whole config logged, or its sections, shows no password, SASL login or inline private key", () => {
  const config = loadConfig(
    {
      kafka: {
        ssl: { enabled: true, key: "-----BEGIN PRIVATE KEY-----\nKAFKA-KEY\n", cert: PEM },
        sasl: { mechanism: "scram-sha-256", username: "u", password: "KAFKA-PW" },
      },
      redis: { url: "rediss://redis:6380", password: "REDIS-PW", tls: { key: "-----BEGIN PRIVATE KEY-----\nREDIS-KEY\n", cert: PEM } },
    },
    noEnv,
  );
  const lines: string[] = [];
  const logger = createLogger("test", "info", new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
  logger.info({ config }, "whole");
  logger.info({ kafka: config.kafka, redis: config.redis }, "sections");
  logger.info(config, "flat");
  logger.info({ key: "post-17" }, "a record key is no secret");
  const text = lines.join("");
  for (const secret of ["KAFKA-PW", "REDIS-PW", "KAFKA-KEY", "REDIS-KEY"]) expect(text).not.toContain(secret);
  expect(text).toContain('"key":"post-17"');
  expect(lines).toHaveLength(4);
});
