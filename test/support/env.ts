import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is test/support/env.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const kafkaBrokers = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? "9092"}`).split(",");
export const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${process.env.REDIS_PORT ?? "6379"}`;
/** The Confluent-compatible API of the registry scripts/schema-registry.sh runs. */
export const schemaRegistryUrl = process.env.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${process.env.SCHEMA_REGISTRY_PORT ?? "18081"}/apis/ccompat/v7`;

export { fixturesDir, modelPath, testModels } from "../../scripts/lib/test-models.js";
