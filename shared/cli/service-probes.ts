import { Kafka, logLevel } from "kafkajs";
import type { KafkaSettings } from "../kafka/kafka-settings.js";
import { ConfigError } from "../settings/config-error.js";
import { explainKafkaError, kafkaSecurity } from "../kafka/kafka-client.js";
import { startHint, tcpProbe } from "../net/tcp-probe.js";
import { ServiceUnreachableError } from "../errors/service-unreachable-error.js";

function hostPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(":");
  return { host: broker.slice(0, at), port: Number(broker.slice(at + 1)) };
}

const KAFKA = { script: "kafka.sh", portVariable: "KAFKA_PORT", defaultPort: 9092, setting: "kafka.brokers (KAFKA_BROKERS)" };

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
    throw new ServiceUnreachableError(
      "Kafka",
      `Kafka at ${reachable.join(", ")} accepts connections but does not answer as a broker (${(error as Error).message})`,
      "wait if it is still starting, or check that no other program holds that port",
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
