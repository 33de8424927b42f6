import { arbiterConfigSchema, type ArbiterConfig } from "./arbiter-config.js";
import { ConfigError } from "../settings/config-error.js";
import { configError } from "./config-issues.js";
import { overlay } from "./overlay.js";
import { readConfigFile } from "./read-config-file.js";
import { REDIS_KEYS_ONCE_IN_CACHE } from "../redis/redis-settings.js";

type Overrides = { [key: string]: unknown };

/** Settings from one place; `source` names it in errors, `sourceOfKey` more precisely where it can (a YAML line). */
interface Layer {
  source: string;
  values: unknown;
  sourceOfKey?: (dotted: string) => string;
}

/** Environment shortcuts for the settings most often changed per machine: variable, dotted key, value. */
const SHORTCUTS: ReadonlyArray<readonly [string, string, (raw: string) => unknown]> = [
  ["ARBITER_ROLE", "role", String],
  ["ARBITER_WORKER_ID", "workerId", String],
  ["KAFKA_BROKERS", "kafka.brokers", (raw) => raw.split(",").map((b) => b.trim())],
  ["REDIS_URL", "redis.url", String],
  ["ARBITER_MODEL", "engine.modelPath", String],
  ["ARBITER_ESCALATION_MODEL", "escalationEngine.modelPath", String],
  ["LOG_LEVEL", "log.level", String],
  ["ARBITER_HTTP_PORT", "http.port", Number],
];

function fileLayer(file: string): Layer {
  const { values, lineOf } = readConfigFile(file);
  return { source: file, values, sourceOfKey: (dotted) => (lineOf.has(dotted) ? `${file} line ${lineOf.get(dotted)}` : file) };
}

function inlineJsonLayer(text: string): Layer {
  try {
    return { source: "ARBITER_CONFIG_JSON", values: JSON.parse(text) };
  } catch (error) {
    throw new ConfigError("ARBITER_CONFIG_JSON", `not JSON: ${(error as Error).message}`);
  }
}

function shortcutLayers(env: NodeJS.ProcessEnv): Layer[] {
  return SHORTCUTS.filter(([variable]) => env[variable]).map(([variable, dotted, convert]) => ({
    source: variable,
    values: dotted.split(".").reduceRight<unknown>((value, key) => ({ [key]: value }), convert(env[variable]!)),
  }));
}

/**
 * The Redis connection was once part of the `cache` section: `cache.url`, `cache.keyPrefix`,
 * `cache.username`, `cache.password` and `cache.tls` are still read, as the `redis` keys they
 * became (a `redis` key set as well wins), each with a warning naming where it was set.
 */
function moveRedisKeysOutOfCache(merged: unknown, sourceOf: Map<string, string>, warn: (message: string) => void): void {
  const root = merged as { cache?: Record<string, unknown>; redis?: Record<string, unknown> };
  const cache = root.cache;
  if (typeof cache !== "object" || cache === null) return;
  for (const key of REDIS_KEYS_ONCE_IN_CACHE) {
    if (!(key in cache)) continue;
    const from = sourceOf.get(`cache.${key}`) ?? [...sourceOf].find(([dotted]) => dotted.startsWith(`cache.${key}.`))?.[1];
    warn(`config: cache.${key}${from === undefined ? "" : ` (from ${from})`} is deprecated: it is redis.${key} now; read as redis.${key}`);
    root.redis = typeof root.redis === "object" && root.redis !== null ? root.redis : {};
    if (!(key in root.redis)) {
      root.redis[key] = cache[key];
      for (const [dotted, source] of [...sourceOf])
        if (dotted === `cache.${key}` || dotted.startsWith(`cache.${key}.`)) sourceOf.set(`redis${dotted.slice("cache".length)}`, source);
    }
    delete cache[key];
  }
}

const warnedOnce = new Set<string>();
/** A deprecation goes to stderr once per process (a worker or a command loads its settings once; tests load many). */
function warnOnce(message: string): void {
  if (warnedOnce.has(message)) return;
  warnedOnce.add(message);
  process.emitWarning(message, "DeprecationWarning");
}

/** Merges the layers in order and parses the result with the schema, which fills every default. */
function parseConfigLayers(layers: readonly Layer[], warn: (message: string) => void): ArbiterConfig {
  const sourceOf = new Map<string, string>();
  let merged: unknown = {};
  for (const layer of layers) merged = overlay(merged, layer.values, (dotted) => sourceOf.set(dotted, layer.sourceOfKey?.(dotted) ?? layer.source));
  moveRedisKeysOutOfCache(merged, sourceOf, warn);
  const parsed = arbiterConfigSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) throw configError(parsed.error.issues, sourceOf);
  return parsed.data;
}

/**
 * Settings = the schema's defaults, then the file named by ARBITER_CONFIG (JSON, or YAML for
 * .yaml/.yml), then ARBITER_CONFIG_JSON (inline JSON), then the environment shortcuts, then
 * `overrides`; deprecated keys are read with a warning; an unknown key or a bad value throws a {@link ConfigError} naming it and its source.
 */
export function loadConfig(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = warnOnce): ArbiterConfig {
  return parseConfigLayers(
    [
      ...(env.ARBITER_CONFIG ? [fileLayer(env.ARBITER_CONFIG)] : []),
      ...(env.ARBITER_CONFIG_JSON ? [inlineJsonLayer(env.ARBITER_CONFIG_JSON)] : []),
      ...shortcutLayers(env),
      { source: "overrides", values: overrides },
    ],
    warn,
  );
}
