import { Socket } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import type { RedisSettings } from "../redis/redis-settings.js";
import type { KafkaSettings } from "../kafka/kafka-settings.js";
import { ConfigError } from "../settings/config-error.js";
import { explainKafkaError, kafkaSecurity } from "../kafka/kafka-client.js";
import { createRedis, explainRedisError } from "../redis/redis-client.js";
import { ServiceUnreachableError } from "./errors/service-unreachable-error.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Why a TCP connection failed, in words (null: it connected). */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`did not answer within ${timeoutMs / 1000} s`));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") finish("refused the connection");
      else if (error.code === "ENOTFOUND" || error.code === "EAI_AGAIN") finish("is not a known host name");
      else finish(`could not be reached (${error.code ?? error.message})`);
    });
    socket.connect(port, host, () => finish(null));
  });
}

function hostPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(":");
  return { host: broker.slice(0, at), port: Number(broker.slice(at + 1)) };
}

/** What to do when a service is down: the project's script (on that port) for loopback, a check otherwise. */
function startHint(host: string, port: number, service: { script: string; portVariable: string; defaultPort: number; setting: string }): string {
  if (!LOOPBACK.has(host)) return `check that it runs there and that ${service.setting} is right`;
  const env = port === service.defaultPort ? "" : `${service.portVariable}=${port} `;
  return `start it with \`${env}bash scripts/${service.script} start\``;
}

const KAFKA = { script: "kafka.sh", portVariable: "KAFKA_PORT", defaultPort: 9092, setting: "kafka.brokers (KAFKA_BROKERS)" };
const REDIS = { script: "redis.sh", portVariable: "REDIS_PORT", defaultPort: 6379, setting: "redis.url (REDIS_URL)" };

export interface KafkaProbe {
  clusterId: string;
  brokers: number;
  topics: string[];
}

/**
 * Connects to the first broker that answers (with `kafka.ssl` and `kafka.sasl`) and asks for the
 * cluster; throws a {@link ServiceUnreachableError} naming every broker and what to do when none
 * answers, or the {@link ConfigError} of a security setting the broker refused.
 */
export async function probeKafka(settings: KafkaSettings, timeoutMs = 3000): Promise<KafkaProbe> {
  const { brokers } = settings;
  const problems: string[] = [];
  const reachable: string[] = [];
  for (const broker of brokers) {
    const { host, port } = hostPort(broker);
    const problem = await tcpProbe(host, port, timeoutMs);
    if (problem === null) reachable.push(broker);
    else problems.push(`Kafka at ${broker} ${problem}`);
  }
  const first = hostPort(brokers[0]!);
  if (reachable.length === 0) throw new ServiceUnreachableError("Kafka", problems.join("; "), startHint(first.host, first.port, KAFKA));
  const admin = new Kafka({
    clientId: "arbiter-probe",
    brokers: reachable,
    ...kafkaSecurity(settings),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs * 2,
    retry: { retries: 1, initialRetryTime: 200 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length, topics: await admin.listTopics() };
  } catch (error) {
    const explained = explainKafkaError(error, settings);
    if (explained instanceof ConfigError) throw explained;
    throw new ServiceUnreachableError("Kafka", `Kafka at ${reachable.join(", ")} accepts connections but does not answer as a broker (${(error as Error).message})`, "wait if it is still starting, or check that no other program holds that port");
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

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
  const redis = createRedis(connection, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null }, "redis");
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
