// Integration tests need the real broker, the real Redis, the real Schema Registry, PostgreSQL, the test
// models and Chromium. When one is missing the whole run fails here with what to do — it never
// quietly skips.
// Plain JS: jest loads globalSetup outside its module mapper, so this file imports nothing of ours.
import { existsSync } from "node:fs";
import { Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function canConnect(host, port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.connect(port, host, () => finish(true));
  });
}

export default async function globalSetup() {
  const problems = [];
  const broker = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? "9092"}`).split(",")[0];
  const [host, port] = broker.split(":");
  if (!(await canConnect(host, Number(port)))) {
    problems.push(`Kafka is not reachable at ${broker}: run \`bash scripts/services.sh start\``);
  } else {
    const admin = new Kafka({ clientId: "arbiter-test-setup", brokers: [broker], logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
    } catch (error) {
      problems.push(`Kafka at ${broker} accepts connections but does not answer: ${error.message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${process.env.REDIS_PORT ?? "6379"}`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    problems.push(`Redis is not reachable at ${redisUrl}: run \`bash scripts/services.sh start\``);
  } finally {
    redis.disconnect();
  }
  const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${process.env.SCHEMA_REGISTRY_PORT ?? "18081"}/apis/ccompat/v7`;
  try {
    const response = await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
  } catch (error) {
    problems.push(
      `the Schema Registry is not answering at ${registryUrl} (${error.message}): run \`bash scripts/schema-registry.sh start\` (or \`bash scripts/services.sh start\`)`,
    );
  }
  // The store of record (shared/record): scripts/postgres.sh runs Debian's PostgreSQL with a database `arbiter`.
  const postgresUrl = process.env.ARBITER_TEST_POSTGRES_URL ?? `postgres://arbiter@127.0.0.1:${process.env.PGPORT ?? "5432"}/arbiter`;
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    problems.push(
      `PostgreSQL is not answering at ${postgresUrl.replace(/:[^:@/]*@/, ":***@")} (${error.message}): run \`bash scripts/postgres.sh start\` (or \`bash scripts/services.sh start\`)`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const modelsDir = process.env.ARBITER_MODELS_DIR ?? path.join(repoRoot, "models");
  for (const file of ["llama-tiny-random.gguf", "gemma-3-270m-q4_k_m.gguf", "harmony-tiny-random.gguf"]) {
    if (!existsSync(path.join(modelsDir, file))) {
      problems.push(`test model ${path.join(modelsDir, file)} is missing: run \`bash scripts/models.sh\``);
    }
  }
  // The console's tests drive Debian's chromium through playwright-core (test/support/browser.ts).
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    problems.push(`Chromium is missing at ${chromium} (the console's browser tests need it): run \`bash scripts/setup.sh\`, which installs Debian's chromium`);
  }
  if (problems.length > 0) {
    throw new Error(`integration tests cannot run:\n  - ${problems.join("\n  - ")}`);
  }
}
