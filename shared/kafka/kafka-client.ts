import { Kafka, logLevel, type LogEntry } from "kafkajs";
import type { KafkaSettings } from "../config/arbiter-config.js";
import type { Logger } from "../observability/logger.js";

const levels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

/** A kafkajs client whose logs go through pino (at most warnings unless the logger is verbose). */
export function createKafka(settings: KafkaSettings, clientId: string, logger: Logger): Kafka {
  // Arbiter keys by post id and never relied on the old partitioner; the warning is noise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
  const kafkaLogger = logger.child({ component: "kafkajs" });
  return new Kafka({
    clientId,
    brokers: settings.brokers,
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
}

/** Creates the topics that are missing (existing ones are left alone). */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })) });
    }
  } finally {
    await admin.disconnect();
  }
}
