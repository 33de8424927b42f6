import path from "node:path";
import { fileURLToPath } from "node:url";
import { arbiterConfigSchema, type ArbiterConfig } from "./arbiter-config.js";
import { ConfigError } from "./config-error.js";
import { configError } from "./config-issues.js";
import { overlay } from "./overlay.js";
import { readConfigFile } from "./read-config-file.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Relative paths in settings resolve here: ARBITER_ROOT, else the checkout (this file is shared/config/, or dist/shared/config/ when built). */
const repoRoot = process.env.ARBITER_ROOT ?? path.resolve(here, path.basename(path.resolve(here, "../..")) === "dist" ? "../../.." : "../..");
/** Generated from the schema (`npm run config:defaults`): documentation, not read at start. */
export const defaultConfigPath = path.join(repoRoot, "config", "default.json");

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
  ["REDIS_URL", "cache.url", String],
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

/** Merges the layers in order and parses the result with the schema, which fills every default. */
function parseConfigLayers(layers: readonly Layer[]): ArbiterConfig {
  const sourceOf = new Map<string, string>();
  let merged: unknown = {};
  for (const layer of layers) merged = overlay(merged, layer.values, (dotted) => sourceOf.set(dotted, layer.sourceOfKey?.(dotted) ?? layer.source));
  const parsed = arbiterConfigSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) throw configError(parsed.error.issues, sourceOf);
  return parsed.data;
}

/**
 * Settings = the schema's defaults, then the file named by ARBITER_CONFIG (JSON, or YAML for
 * .yaml/.yml), then ARBITER_CONFIG_JSON (inline JSON), then the environment shortcuts, then
 * `overrides`; an unknown key or a bad value throws a {@link ConfigError} naming it and its source.
 */
export function loadConfig(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env): ArbiterConfig {
  return parseConfigLayers([
    ...(env.ARBITER_CONFIG ? [fileLayer(env.ARBITER_CONFIG)] : []),
    ...(env.ARBITER_CONFIG_JSON ? [inlineJsonLayer(env.ARBITER_CONFIG_JSON)] : []),
    ...shortcutLayers(env),
    { source: "overrides", values: overrides },
  ]);
}

/** Resolves a path setting against the repository root (absolute paths stay as they are). */
export function resolveFromRoot(p: string): string {
  return path.isAbsolute(p) ? p : path.join(repoRoot, p);
}
