import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from "kafkajs";
import type { KafkaSettings } from "./kafka-settings.js";
import { ConfigError } from "../settings/config-error.js";
import { certificateProblem, errorChain, resolveSecret, tlsOptions } from "../settings/transport-security.js";
import type { Logger } from "../observability/logger.js";
import { createTopics } from "./topic-admin.js";
import { registerCompressionCodecs } from "./compression.js";

const levels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** kafkajs's TLS and SASL options from `kafka.ssl` and `kafka.sasl`; secrets are read here, at start. */
export function kafkaSecurity(settings: KafkaSettings): Pick<KafkaConfig, "ssl" | "sasl"> {
  const { enabled, ...tls } = settings.ssl;
  const sasl = settings.sasl;
  // kafkajs types each mechanism as its own member of a union; the schema allows only members of it.
  const login = sasl && ({ mechanism: sasl.mechanism, username: sasl.username, password: resolveSecret(sasl.password, "kafka.sasl.password") } as SASLOptions);
  return { ...(enabled ? { ssl: tlsOptions(tls, "kafka.ssl") } : {}), ...(login ? { sasl: login } : {}) };
}

/**
 * A failed connect that a security setting explains, as a {@link ConfigError} naming that
 * setting (the error as cause); any other error as it is.
 */
export function explainKafkaError(error: unknown, settings: KafkaSettings): unknown {
  const chain = errorChain(error);
  const because = (field: string, problem: string) => Object.assign(new ConfigError(field, problem), { cause: error });
  const rejected = chain.find((e) => e.name === "KafkaJSSASLAuthenticationError");
  if (rejected && settings.sasl)
    return because(
      "kafka.sasl",
      `the broker rejected user ${JSON.stringify(settings.sasl.username)} (${settings.sasl.mechanism}); check kafka.sasl.username, password and mechanism: ${rejected.message}`,
    );
  if (settings.sasl && chain.some((e) => (e as { type?: unknown }).type === "ILLEGAL_SASL_STATE"))
    return because("kafka.sasl", "is set but the broker's listener takes no SASL (PLAINTEXT or SSL)");
  const certificate = settings.ssl.enabled ? certificateProblem(error, "kafka.ssl") : undefined;
  if (certificate) return certificate;
  const handshake = chain.find((e) => /before secure TLS connection was established|wrong version number/i.test(e.message));
  if (handshake && settings.ssl.enabled)
    return because("kafka.ssl.enabled", `is true but the TLS handshake failed (${handshake.message}): is the broker's listener SSL or SASL_SSL?`);
  return error;
}

/** Makes every client of `kafka` reject a failed connect with {@link explainKafkaError}. */
function explainingConnects(kafka: Kafka, settings: KafkaSettings): Kafka {
  const explaining = <C extends { connect(): Promise<void> }>(client: C): C => {
    const connect = client.connect.bind(client);
    client.connect = () => connect().catch((error: unknown) => Promise.reject(explainKafkaError(error, settings)));
    return client;
  };
  const [producer, consumer, admin] = [kafka.producer.bind(kafka), kafka.consumer.bind(kafka), kafka.admin.bind(kafka)];
  kafka.producer = (config) => explaining(producer(config));
  kafka.consumer = (config) => explaining(consumer(config));
  kafka.admin = (config) => explaining(admin(config));
  return kafka;
}

/**
 * A kafkajs client whose logs go through pino (at most warnings unless the logger is verbose),
 * with `kafka.ssl` and `kafka.sasl` applied; its clients' failed connects name the setting at fault.
 */
export function createKafka(settings: KafkaSettings, clientId: string, logger: Logger): Kafka {
  // Arbiter keys by post id and never relied on the old partitioner; the warning is noise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
  // kafkajs has gzip alone (and no limit on it): every codec Kafka defines, each with the limit.
  registerCompressionCodecs(settings.maxDecompressedBytes);
  const kafkaLogger = logger.child({ component: "kafkajs" });
  const kafka = new Kafka({
    clientId,
    brokers: settings.brokers,
    ...kafkaSecurity(settings),
    logLevel: logger.isLevelEnabled("debug") ? logLevel.INFO : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = log;
        // kafkajs reports errors it retries itself at ERROR; they are warnings to us.
        const pinoLevel = level === logLevel.ERROR && (rest as { retryCount?: number }).retryCount !== undefined ? "warn" : (levels[level] ?? "info");
        kafkaLogger[pinoLevel](rest, message);
      },
    // Ride out a broker restart: retries back off to 5 s, for about a minute in all.
    retry: { initialRetryTime: 250, maxRetryTime: 5000, retries: 15 },
    connectionTimeout: 5000,
    requestTimeout: 30000,
  });
  return explainingConnects(kafka, settings);
}

/** Creates the topics that are missing (existing ones are left alone), with the broker's default configs. */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions: number): Promise<void> {
  await createTopics(
    kafka,
    topics.map((name) => ({ name, partitions: numPartitions, replicationFactor: 1, configs: {} })),
  );
}
