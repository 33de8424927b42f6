import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ArbiterConfig } from "./arbiter-config.js";
import { ConfigError } from "./config-error.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const defaultConfigPath = path.join(repoRoot, "config", "default.json");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Overrides = { [key: string]: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep merge where objects merge and everything else replaces; an unknown key is an error. */
function merge(base: unknown, over: unknown, at: string): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const field = at ? `${at}.${key}` : key;
    if (!(key in base) && !["engine", "escalationEngine"].includes(at)) {
      throw new ConfigError(field, `unknown setting (known here: ${Object.keys(base).join(", ")})`);
    }
    out[key] = merge(base[key], value, field);
  }
  return out;
}

function readJson(file: string, what: string): Json {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(what, `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new ConfigError(what, `${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Environment shortcuts for the settings most often changed per machine. */
function envOverrides(env: NodeJS.ProcessEnv): Overrides {
  const o: Overrides = {};
  const set = (dotted: string, value: unknown) => {
    const keys = dotted.split(".");
    let node = o;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Overrides;
    node[keys.at(-1)!] = value;
  };
  if (env.ARBITER_ROLE) set("role", env.ARBITER_ROLE);
  if (env.ARBITER_WORKER_ID) set("workerId", env.ARBITER_WORKER_ID);
  if (env.KAFKA_BROKERS) set("kafka.brokers", env.KAFKA_BROKERS.split(",").map((b) => b.trim()));
  if (env.REDIS_URL) set("cache.url", env.REDIS_URL);
  if (env.ARBITER_MODEL) set("engine.modelPath", env.ARBITER_MODEL);
  if (env.ARBITER_ESCALATION_MODEL) set("escalationEngine.modelPath", env.ARBITER_ESCALATION_MODEL);
  if (env.LOG_LEVEL) set("log.level", env.LOG_LEVEL);
  if (env.ARBITER_HTTP_PORT) set("http.port", Number(env.ARBITER_HTTP_PORT));
  return o;
}

/**
 * Settings = config/default.json, then the file named by ARBITER_CONFIG, then ARBITER_CONFIG_JSON
 * (inline JSON), then the environment shortcuts, then `overrides`; validated, naming the field.
 */
export function loadConfig(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env): ArbiterConfig {
  let merged = readJson(defaultConfigPath, "defaults");
  if (env.ARBITER_CONFIG) merged = merge(merged, readJson(env.ARBITER_CONFIG, "ARBITER_CONFIG"), "") as Json;
  if (env.ARBITER_CONFIG_JSON) {
    let inline: unknown;
    try {
      inline = JSON.parse(env.ARBITER_CONFIG_JSON);
    } catch (error) {
      throw new ConfigError("ARBITER_CONFIG_JSON", `not JSON: ${(error as Error).message}`);
    }
    merged = merge(merged, inline, "") as Json;
  }
  merged = merge(merged, envOverrides(env), "") as Json;
  merged = merge(merged, overrides, "") as Json;
  return validateConfig(merged);
}

export function validateConfig(raw: unknown): ArbiterConfig {
  const c = raw as ArbiterConfig;
  const oneOf = (field: string, value: unknown, allowed: readonly unknown[]) => {
    if (!allowed.includes(value)) throw new ConfigError(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(" | ")}, got ${JSON.stringify(value)}`);
  };
  const str = (field: string, value: unknown, allowEmpty = false) => {
    if (typeof value !== "string" || (!allowEmpty && value.trim() === "")) throw new ConfigError(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
  };
  const int = (field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(field, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
    }
  };
  const bool = (field: string, value: unknown) => {
    if (typeof value !== "boolean") throw new ConfigError(field, `must be true or false, got ${JSON.stringify(value)}`);
  };

  oneOf("role", c.role, ["primary", "escalation"]);
  str("workerId", c.workerId, true);
  if (!c.workerId) c.workerId = hostname();
  if (!Array.isArray(c.kafka.brokers) || c.kafka.brokers.length === 0) throw new ConfigError("kafka.brokers", "must list at least one host:port");
  c.kafka.brokers.forEach((b, i) => {
    if (typeof b !== "string" || !/^[^:\s]+:\d{1,5}$/.test(b)) throw new ConfigError(`kafka.brokers[${i}]`, `must be host:port, got ${JSON.stringify(b)}`);
  });
  str("kafka.clientId", c.kafka.clientId);
  str("kafka.groupId", c.kafka.groupId);
  for (const [name, topic] of Object.entries(c.kafka.topics)) {
    str(`kafka.topics.${name}`, topic);
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) throw new ConfigError(`kafka.topics.${name}`, `"${topic}" is not a legal Kafka topic name`);
  }
  bool("kafka.exactlyOnce", c.kafka.exactlyOnce);
  str("kafka.transactionalIdPrefix", c.kafka.transactionalIdPrefix);
  int("kafka.heartbeatIntervalMs", c.kafka.heartbeatIntervalMs, 100);
  int("kafka.sessionTimeoutMs", c.kafka.sessionTimeoutMs, 1000);
  int("kafka.rebalanceTimeoutMs", c.kafka.rebalanceTimeoutMs, 1000);
  // The broker's rule: heartbeats must come well inside the session timeout.
  if (c.kafka.heartbeatIntervalMs * 3 > c.kafka.sessionTimeoutMs) {
    throw new ConfigError("kafka.heartbeatIntervalMs", `must be at most a third of kafka.sessionTimeoutMs (${c.kafka.sessionTimeoutMs})`);
  }
  if (c.kafka.sessionTimeoutMs > c.kafka.rebalanceTimeoutMs) {
    throw new ConfigError("kafka.sessionTimeoutMs", `must not exceed kafka.rebalanceTimeoutMs (${c.kafka.rebalanceTimeoutMs})`);
  }
  int("kafka.partitionsConsumedConcurrently", c.kafka.partitionsConsumedConcurrently, 1, 1024);
  int("kafka.maxRecordsPerCommit", c.kafka.maxRecordsPerCommit, 1, 100_000);
  bool("kafka.createTopics", c.kafka.createTopics);
  int("kafka.topicPartitions", c.kafka.topicPartitions, 1, 10_000);
  oneOf("input.format", c.input.format, ["avro", "json"]);
  int("input.maxRecordBytes", c.input.maxRecordBytes, 64);
  bool("cache.enabled", c.cache.enabled);
  if (c.cache.enabled && !/^rediss?:\/\//.test(String(c.cache.url))) throw new ConfigError("cache.url", `must be a redis:// URL, got ${JSON.stringify(c.cache.url)}`);
  str("cache.keyPrefix", c.cache.keyPrefix, true);
  int("cache.ttlSeconds", c.cache.ttlSeconds, 1);
  int("cache.commandTimeoutMs", c.cache.commandTimeoutMs, 1);
  str("policies.dir", c.policies.dir);
  if (!Array.isArray(c.policies.only)) throw new ConfigError("policies.only", "must be a list of policy ids");
  int("pipeline.engineAttempts", c.pipeline.engineAttempts, 1, 10);
  int("pipeline.engineTimeoutMs", c.pipeline.engineTimeoutMs, 1);
  int("pipeline.maxModelChars", c.pipeline.maxModelChars, 16);
  bool("pipeline.combinePolicies", c.pipeline.combinePolicies);
  int("pipeline.screenThreads", c.pipeline.screenThreads, 0, 64);
  if (c.pipeline.effort !== null) oneOf("pipeline.effort", c.pipeline.effort, ["low", "medium", "high"]);
  for (const key of ["engine", "escalationEngine"] as const) {
    if (!isObject(c[key])) throw new ConfigError(key, "must be an object");
    str(`${key}.modelPath`, c[key].modelPath);
  }
  int("http.port", c.http.port, 0, 65535);
  str("http.host", c.http.host);
  oneOf("log.level", c.log.level, ["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
  bool("log.includePostText", c.log.includePostText);
  int("shutdownTimeoutMs", c.shutdownTimeoutMs, 100);
  return c;
}

/** Resolves a path setting against the repository root (absolute paths stay as they are). */
export function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(repoRoot, p);
}
