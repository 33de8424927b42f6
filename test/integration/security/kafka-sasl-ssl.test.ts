// Kafka clients and a whole worker against a broker of this test's own with only a SASL_SSL
// listener (certificates made for this run, SCRAM users written at format time, PLAIN by JAAS),
// and a Redis of its own that takes only TLS and an ACL user.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ArbiterConfigInput } from "@arbiter/shared/config/arbiter-config.js";
import type { KafkaSettings } from "@arbiter/shared/kafka/kafka-settings.js";
import { ConfigError } from "@arbiter/shared/settings/config-error.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { createKafka, ensureTopics } from "@arbiter/shared/kafka/kafka-client.js";
import { silentLogger } from "@arbiter/shared/observability/logger.js";
import { startClassifierWorker } from "../../../workers/classifier/classifier-worker.js";
import { capturedLogger } from "../../support/captured-logger.js";
import { testNamespace } from "../../support/namespace.js";
import { PrivateKafka, PrivateRedis } from "../../support/private-services.js";
import { makeTestCertificates, type TestCertificates } from "../../support/tls-certs.js";
import { post, producePosts, readDecisionsFor, testConfig } from "../../support/worker.js";

const ns = testNamespace("kafka sasl ssl");
const PASSWORD = `kafka-pw-${ns.id}`;
const WRONG = `wrong-pw-${ns.id}`;
const REDIS_PASSWORD = `redis-pw-${ns.id}`;
let certs: TestCertificates;
let broker: PrivateKafka;
let redis: PrivateRedis;

beforeAll(async () => {
  certs = await makeTestCertificates();
  broker = new PrivateKafka(21092 + (process.pid % 500) * 2, 31093 + (process.pid % 500) * 2, {
    keystore: certs.serverKeystore,
    keystorePassword: certs.keystorePassword,
    truststore: certs.ca,
    users: { admin: `admin-${PASSWORD}`, arbiter: PASSWORD },
  });
  redis = new PrivateRedis(18379 + (process.pid % 500), {
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, clientCertificates: false },
    users: { arbiter: REDIS_PASSWORD },
  });
  await Promise.all([broker.start(), redis.start()]);
}, 240_000);

afterAll(async () => {
  await Promise.all([broker?.stop(), redis?.stop()]);
  // The broker's data dir holds its config, with the SASL passwords.
  if (broker) rmSync(broker.dataDir, { recursive: true, force: true });
  certs?.remove();
}, 60_000);

/** The `kafka` section as the worker would load it, pointed at this test's broker. */
function kafkaSettings(kafka: NonNullable<ArbiterConfigInput["kafka"]>): KafkaSettings {
  return loadConfig({ kafka: { brokers: broker.brokers, ...kafka } }, {}).kafka;
}

const tls = () => ({ enabled: true, ca: certs.ca });

/** The error a connect of a fresh admin client fails with (the test fails if it connects). */
async function connectError(settings: KafkaSettings): Promise<Error> {
  const admin = createKafka(settings, "arbiter-test", silentLogger).admin();
  try {
    await admin.connect();
  } catch (error) {
    return error as Error;
  } finally {
    await admin.disconnect();
  }
  throw new Error("connected, but a failure was expected");
}

test("SCRAM-SHA-512 over TLS, the password from the environment: a topic is created, a record produced and consumed back", async () => {
  process.env.ARBITER_TEST_KAFKA_PASSWORD = PASSWORD;
  const settings = kafkaSettings({ ssl: tls(), sasl: { mechanism: "scram-sha-512", username: "arbiter", password: { env: "ARBITER_TEST_KAFKA_PASSWORD" } } });
  const kafka = createKafka(settings, "arbiter-test", silentLogger);
  const topic = ns.topic("round-trip");
  await ensureTopics(kafka, [topic], 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key: "k", value: "over SASL_SSL" }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: ns.group("round-trip"), maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const value = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) }));
  await consumer.disconnect();
  expect(value).toBe("over SASL_SSL");
}, 60_000);

test("PLAIN (password from a file) and SCRAM-SHA-256 (inline) log in too", async () => {
  const passwordFile = path.join(certs.dir, "kafka-password");
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  for (const sasl of [
    { mechanism: "plain", username: "arbiter", password: { file: passwordFile } },
    { mechanism: "scram-sha-256", username: "arbiter", password: PASSWORD },
  ] as const) {
    const admin = createKafka(kafkaSettings({ ssl: tls(), sasl }), "arbiter-test", silentLogger).admin();
    await admin.connect();
    expect(Array.isArray(await admin.listTopics())).toBe(true);
    await admin.disconnect();
  }
}, 60_000);

test("a wrong password: connect fails at once with a ConfigError naming kafka.sasl and the user, never the password", async () => {
  const started = Date.now();
  const error = await connectError(kafkaSettings({ ssl: tls(), sasl: { mechanism: "scram-sha-256", username: "arbiter", password: WRONG } }));
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).field).toBe("kafka.sasl");
  expect(error.message).toMatch(/^config: kafka\.sasl: the broker rejected user "arbiter" \(scram-sha-256\)/);
  expect(error.message).not.toContain(WRONG);
  // Bad credentials are not retried for a minute like a broker that is away.
  expect(Date.now() - started).toBeLessThan(15_000);
}, 60_000);

test("a CA that did not sign the broker's certificate: connect fails with a ConfigError naming kafka.ssl.ca", async () => {
  const error = await connectError(
    kafkaSettings({ ssl: { enabled: true, ca: certs.otherCa }, sasl: { mechanism: "scram-sha-256", username: "arbiter", password: PASSWORD } }),
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.message).toMatch(/^config: kafka\.ssl\.ca: the server's certificate is not signed by a CA this client trusts/);
}, 120_000);

test("SASL against a listener without it (the shared PLAINTEXT broker): the error names kafka.sasl", async () => {
  const settings = loadConfig({ kafka: { sasl: { mechanism: "scram-sha-256", username: "arbiter", password: PASSWORD } } }, {}).kafka;
  const error = await connectError(settings);
  expect(error.message).toBe("config: kafka.sasl: is set but the broker's listener takes no SASL (PLAINTEXT or SSL)");
}, 60_000);

test("a worker over SASL_SSL and a TLS Redis with an ACL user decides posts, and its second look at a text is a cache hit", async () => {
  process.env.ARBITER_TEST_KAFKA_PASSWORD = PASSWORD;
  process.env.ARBITER_TEST_REDIS_PASSWORD = REDIS_PASSWORD;
  const config = testConfig(ns, {
    kafka: { brokers: broker.brokers, ssl: tls(), sasl: { mechanism: "scram-sha-512", username: "arbiter", password: { env: "ARBITER_TEST_KAFKA_PASSWORD" } } },
    redis: { url: redis.url, username: "arbiter", password: { env: "ARBITER_TEST_REDIS_PASSWORD" }, tls: { ca: certs.ca } },
  });
  const { logger, text } = capturedLogger("debug");
  const worker = await startClassifierWorker(config, logger);
  try {
    const kafka = createKafka(config.kafka, "arbiter-test", silentLogger);
    const flagged = "DM me for a private aimbot, only 10 dollars, undetected";
    await producePosts(kafka, config.kafka.topics.posts, [post("benign-1", "GG everyone, close match"), post("flagged-1", flagged)]);
    const first = await readDecisionsFor(kafka, config.kafka.topics.decisions, 2, { groupId: ns.group("check-1"), timeoutMs: 120_000, settleMs: 0 });
    expect(first.find((d) => d.postId === "benign-1")).toMatchObject({ action: "ALLOW", stage: "prefilter" });
    expect(first.find((d) => d.postId === "flagged-1")?.verdicts.map((v) => v.source)).toContain("model");
    await producePosts(kafka, config.kafka.topics.posts, [post("flagged-2", flagged)]);
    const second = await readDecisionsFor(kafka, config.kafka.topics.decisions, 3, { groupId: ns.group("check-2"), timeoutMs: 120_000, settleMs: 0 });
    expect(second.find((d) => d.postId === "flagged-2")?.verdicts.map((v) => v.source)).toContain("cache");
    expect(await worker.metrics.value("arbiter_cache_hits_total")).toBeGreaterThan(0);
  } finally {
    await worker.stop();
  }
  // Debug logs and all: no password of either service.
  expect(text()).not.toContain(PASSWORD);
  expect(text()).not.toContain(REDIS_PASSWORD);
}, 240_000);
