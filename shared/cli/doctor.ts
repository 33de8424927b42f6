import { stat } from "node:fs/promises";
import { getLlama } from "node-llama-cpp";
import type { ArbiterConfig } from "../config/arbiter-config.js";
import { ConfigError } from "../settings/config-error.js";
import { resolveFromRoot } from "../settings/repo-root.js";
import { assertGgufFile, modelFileParts } from "../engine/model-files.js";
import { policiesInForce } from "../policy-registry/policies-in-force.js";
import { assertContextPlan, policyInputOf } from "../engine/context-plan.js";
import { ContextPlanError } from "../engine/errors/context-plan-error.js";
import { loadContextMeasure } from "../engine/token-count.js";
import { CliError } from "./errors/cli-error.js";
import { ServiceUnreachableError } from "../errors/service-unreachable-error.js";
import { displayRedisUrl, probeRedis } from "../redis/redis-probe.js";
import { probeKafka } from "./service-probes.js";
import { SchemaRegistryClient } from "../codec/schema-registry-client.js";
import { SchemaRegistryUnavailableError } from "../codec/errors/schema-registry-unavailable-error.js";
import { valueSubject } from "../codec/codecs.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One thing the doctor looked at: what it found and, when something is wrong, what to do. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** A failure because a service did not answer (starting it may be all it takes). */
  unreachable?: boolean;
}

export type DoctorScope = "primary" | "escalation" | "all";

async function checkKafka(config: ArbiterConfig): Promise<CheckResult[]> {
  try {
    const probe = await probeKafka(config.kafka);
    const names = Object.values(config.kafka.topics);
    const missing = [...new Set(names)].filter((t) => !probe.topics.includes(t));
    const kafka: CheckResult = {
      name: "kafka",
      status: "ok",
      detail: `${config.kafka.brokers.join(", ")}: cluster ${probe.clusterId}, ${probe.brokers} broker(s)`,
    };
    const topics: CheckResult =
      missing.length === 0
        ? { name: "topics", status: "ok", detail: `all ${names.length} topics exist` }
        : {
            name: "topics",
            status: "warn",
            detail: `missing: ${missing.join(", ")}`,
            fix: config.kafka.createTopics
              ? "workers create them at start (kafka.createTopics); or run `arbiter topics create`"
              : "run `arbiter topics create` (kafka.createTopics is off)",
          };
    return [kafka, topics];
  } catch (error) {
    if (error instanceof ConfigError) return [{ name: "kafka", status: "fail", detail: error.message, fix: "correct the setting named" }];
    if (!(error instanceof ServiceUnreachableError)) throw error;
    return [{ name: "kafka", status: "fail", detail: error.detail, fix: error.fix, unreachable: true }];
  }
}

async function checkRedis(config: ArbiterConfig): Promise<CheckResult> {
  // The verdict cache and the policy registry both live in Redis: skip it only when neither is on.
  if (!config.cache.enabled && !config.policies.registry.enabled)
    return { name: "redis", status: "skip", detail: "neither the verdict cache (cache.enabled) nor the policy registry (policies.registry.enabled) is on" };
  try {
    await probeRedis(config.redis, 3000, config.cache.enabled ? "cache" : "policy registry");
    return { name: "redis", status: "ok", detail: `${displayRedisUrl(config.redis.url)} answers PING` };
  } catch (error) {
    if (error instanceof ConfigError) return { name: "redis", status: "fail", detail: error.message, fix: "correct the setting named" };
    if (!(error instanceof ServiceUnreachableError)) throw error;
    return { name: "redis", status: "fail", detail: error.detail, fix: error.fix, unreachable: true };
  }
}

/** The Schema Registry, when a `confluent-avro` format uses it: it answers, and lets these credentials in. */
async function checkSchemaRegistry(config: ArbiterConfig): Promise<CheckResult> {
  const users = [config.input.format === "confluent-avro" ? "input.format" : null, config.output.format === "confluent-avro" ? "output.format" : null].filter(
    (u): u is string => u !== null,
  );
  if (users.length === 0) return { name: "schema registry", status: "skip", detail: "neither input.format nor output.format is confluent-avro" };
  let client: SchemaRegistryClient | undefined;
  try {
    client = SchemaRegistryClient.fromSettings(config.schemaRegistry);
    const subjects = await client.subjects();
    const postsSubject = valueSubject(config.kafka.topics.posts);
    const posts =
      config.input.format !== "confluent-avro"
        ? ""
        : subjects.includes(postsSubject)
          ? `; ${postsSubject} is registered`
          : `; no ${postsSubject} yet (the producer registers it)`;
    return { name: "schema registry", status: "ok", detail: `${client.url} answers (${subjects.length} subject(s)), used by ${users.join(" and ")}${posts}` };
  } catch (error) {
    if (error instanceof ConfigError) return { name: "schema registry", status: "fail", detail: error.message, fix: "correct the setting named" };
    if (error instanceof SchemaRegistryUnavailableError)
      return {
        name: "schema registry",
        status: "fail",
        detail: error.message,
        fix: "start the registry, or point schemaRegistry.url at it",
        unreachable: true,
      };
    return {
      name: "schema registry",
      status: "fail",
      detail: (error as Error).message,
      fix: "check schemaRegistry.url: it must be the Confluent-compatible API's base URL",
    };
  } finally {
    client?.close();
  }
}

async function checkModel(name: string, setting: { key: string; variable: string }, modelPath: string): Promise<CheckResult> {
  const resolved = resolveFromRoot(modelPath);
  try {
    await assertGgufFile(resolved);
    // A split GGUF is named by its first part; its size is all of its parts'.
    const parts = modelFileParts(resolved);
    const sizes = await Promise.all(parts.map(async (part) => (await stat(part)).size));
    const size = sizes.reduce((a, b) => a + b, 0);
    const split = parts.length > 1 ? `, ${parts.length} parts` : "";
    return { name, status: "ok", detail: `${resolved} (${(size / 1e6).toFixed(1)} MB, GGUF${split})` };
  } catch (error) {
    const missing = (error as Error).message.includes("file not found");
    return {
      name,
      status: "fail",
      detail: missing && !(error as Error).message.includes("split GGUF") ? `no model file at ${resolved}` : (error as Error).message,
      fix: `put the GGUF file there, or point ${setting.key} (${setting.variable}) at one (the small test model: \`bash scripts/models.sh\`, then ${setting.variable}=models/gemma-3-270m-q4_k_m.gguf)`,
    };
  }
}

/** What node-llama-cpp's prebuilt binaries find here, with `build: "never"` as the engine loads it. */
async function checkGpu(config: ArbiterConfig, scope: DoctorScope): Promise<CheckResult> {
  const wanted = [...(scope !== "escalation" ? [config.engine.gpu] : []), ...(scope !== "primary" ? [config.escalationEngine.gpu] : [])];
  let found: string;
  let devices: string[] = [];
  let vram = "";
  try {
    const llama = await getLlama({ build: "never", gpu: "auto" });
    found = llama.gpu === false ? "cpu" : llama.gpu;
    if (llama.gpu !== false) {
      devices = await llama.getGpuDeviceNames();
      const state = await llama.getVramState();
      vram = `, VRAM ${(state.free / 1e9).toFixed(1)} of ${(state.total / 1e9).toFixed(1)} GB free`;
    }
    await llama.dispose();
  } catch (error) {
    return {
      name: "gpu",
      status: "fail",
      detail: `node-llama-cpp found no usable prebuilt llama.cpp binary: ${(error as Error).message}`,
      fix: "reinstall with `npm ci` (the prebuilt binaries come with node-llama-cpp's optional packages)",
    };
  }
  const detail = found === "cpu" ? "no GPU backend found (gpu: auto falls back to the CPU)" : `${found}: ${devices.join(", ") || "device unnamed"}${vram}`;
  const forced = wanted.filter((g): g is "cuda" | "vulkan" => g === "cuda" || g === "vulkan");
  const unmet = forced.find((g) => g !== found);
  if (unmet)
    return {
      name: "gpu",
      status: "fail",
      detail: `engine.gpu is "${unmet}" but ${detail}`,
      fix: `install the ${unmet} driver and runtime, or set engine.gpu to "auto" or false`,
    };
  if (found === "cpu" && wanted.includes("auto"))
    return { name: "gpu", status: "warn", detail, fix: "fine for the Gemma test model; gpt-oss-safeguard on CPU is far too slow for a live stream" };
  return { name: "gpu", status: "ok", detail: wanted.every((g) => g === false) ? `${detail} (engine.gpu false: the CPU is used)` : detail };
}

/** The policies the workers run: the registry's current versions when it is on (so a `policy push` shows here at once), else the folder. */
async function checkPolicies(config: ArbiterConfig): Promise<CheckResult> {
  try {
    const { set, source, where } = await policiesInForce({ ...config, policies: { ...config.policies, only: [] } });
    const unknown = config.policies.only.filter((id) => !set.get(id));
    if (unknown.length > 0)
      return {
        name: "policies",
        status: "fail",
        detail: `policies.only names ${unknown.join(", ")}, not in ${where}`,
        fix: `one of: ${set.policies.map((p) => p.id).join(", ")}`,
      };
    const inForce = set.policies.filter((p) => config.policies.only.length === 0 || config.policies.only.includes(p.id));
    const seeded = source === "folder" && config.policies.registry.enabled ? " (the registry is empty: a worker seeds it from here at its first start)" : "";
    return {
      name: "policies",
      status: inForce.length > 0 ? "ok" : "fail",
      detail: `${inForce.length} in ${where}${seeded}: ${inForce.map((p) => `${p.id}@${p.version}`).join(", ")}`,
      ...(inForce.length > 0 ? {} : { fix: "add a policy file (config/policies/<id>.md)" }),
    };
  } catch (error) {
    if (error instanceof ServiceUnreachableError)
      return { name: "policies", status: "fail", detail: `the policy registry: ${error.detail}`, fix: error.fix, unreachable: true };
    return { name: "policies", status: "fail", detail: (error as Error).message, fix: "fix the policy file named above" };
  }
}

/**
 * The context plan of each role in scope: every policy at every effort it runs at, counted by the
 * role's model's own tokenizer (its vocabulary only), fits the context. Skipped where the model is missing.
 */
async function checkContextPlans(config: ArbiterConfig, scope: DoctorScope): Promise<CheckResult[]> {
  const roles = (["primary", "escalation"] as const).filter((role) => scope === "all" || scope === role);
  let policies;
  try {
    // The versions the workers run: the registry's when it is on, as in checkPolicies.
    const { set } = await policiesInForce({ ...config, policies: { ...config.policies, only: [] } });
    policies = set.policies.filter((p) => config.policies.only.length === 0 || config.policies.only.includes(p.id)).map(policyInputOf);
  } catch {
    return [{ name: "context plan", status: "skip", detail: "the policies did not load (see policies)" }];
  }
  const results: CheckResult[] = [];
  for (const role of roles) {
    const name = role === "primary" ? "context plan" : "escalation context plan";
    const section = role === "primary" ? config.engine : config.escalationEngine;
    let measure;
    try {
      measure = await loadContextMeasure({ ...section, modelPath: resolveFromRoot(section.modelPath) });
    } catch (error) {
      results.push({ name, status: "skip", detail: `no tokenizer to count with: ${(error as Error).message}` });
      continue;
    }
    try {
      const rows = assertContextPlan(measure, policies, config, role);
      const tightest = rows.reduce((a, b) => (b.total > a.total ? b : a), rows[0]!);
      results.push({
        name,
        status: "ok",
        detail: `${rows.length} calls fit ${tightest.contextSize} tokens; the largest, ${tightest.policies.join("+")} at ${tightest.effort}, needs ${tightest.total}`,
      });
    } catch (error) {
      if (!(error instanceof ContextPlanError)) throw error;
      const key = role === "primary" ? "engine" : "escalationEngine";
      results.push({
        name,
        status: "fail",
        detail: error.problems.join("; "),
        fix: `raise ${key}.contextSize, or lower pipeline.maxModelChars or ${key}.analysisBudget`,
      });
    } finally {
      await measure.dispose();
    }
  }
  return results;
}

/** Every check, in the order a worker needs things: services, policies, models, GPU. */
export async function runDoctor(config: ArbiterConfig, scope: DoctorScope): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(...(await checkKafka(config)));
  results.push(await checkRedis(config));
  results.push(await checkSchemaRegistry(config));
  results.push(await checkPolicies(config));
  if (scope !== "escalation") results.push(await checkModel("model", { key: "engine.modelPath", variable: "ARBITER_MODEL" }, config.engine.modelPath));
  if (scope !== "primary")
    results.push(
      await checkModel("escalation model", { key: "escalationEngine.modelPath", variable: "ARBITER_ESCALATION_MODEL" }, config.escalationEngine.modelPath),
    );
  results.push(...(await checkContextPlans(config, scope)));
  results.push(await checkGpu(config, scope));
  return results;
}

/** The doctor's verdict as an error to exit with (null: nothing required is wrong): 3 when only services are down, else 1. */
export function doctorFailure(results: readonly CheckResult[]): CliError | null {
  const failed = results.filter((r) => r.status === "fail");
  if (failed.length === 0) return null;
  const names = failed.map((r) => r.name).join(", ");
  return new CliError(failed.every((r) => r.unreachable) ? "unreachable" : "failure", `failed: ${names}`);
}
